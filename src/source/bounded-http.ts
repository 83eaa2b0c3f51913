/**
 * isomorphic-git's http client with a cap on the bytes one request may return:
 * a fetch or clone reads the whole pack into memory, so a remote that sends more
 * than the limit is cut off with an error naming it.
 */
import http from 'isomorphic-git/http/node';
import type { HttpClient } from 'isomorphic-git';
import { VsError } from '../errors.js';

/** Default cap on one response of a git fetch or clone. */
export const DEFAULT_MAX_FETCH_BYTES = 256 * 1024 * 1024;

export function boundedHttp(maxBytes = DEFAULT_MAX_FETCH_BYTES): HttpClient {
  return {
    async request(req) {
      const res = await http.request(req);
      const body = res.body;
      if (!body) return res;
      let total = 0;
      async function* limited(): AsyncIterableIterator<Uint8Array> {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > maxBytes) {
            throw new VsError('SOURCE', `the git server sent more than ${maxBytes} bytes (the limit for one fetch); not read further`, { limit: maxBytes });
          }
          yield chunk;
        }
      }
      return { ...res, body: limited() };
    },
  };
}
