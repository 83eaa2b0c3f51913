/**
 * The floor for `validate` as a whole process (issue 12): a node process that
 * reads every manifest file of a directory synchronously and parses it with
 * js-yaml, nothing else. `node dist/bench/parse-floor.js DIR`
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

const dir = process.argv[2]!;
let docs = 0;
for (const name of fs.readdirSync(dir)) {
  yaml.loadAll(fs.readFileSync(path.join(dir, name), 'utf8'), () => {
    docs++;
  });
}
process.stdout.write(`${docs}\n`);
