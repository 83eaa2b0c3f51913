import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures in the source tree (tests run compiled from dist/test/...). */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
export const LIVE = path.join(FIXTURES, 'live/by-phase');
export const ETC = path.join(FIXTURES, 'etc-vservers');
