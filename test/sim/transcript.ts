import fs from 'node:fs';
import path from 'node:path';
import { LIVE } from './helpers.js';

export interface Block {
  cmd: string;
  output: string;
  rc: number;
}

/** Parses command-transcript.txt into its "### CMD" / "### RC" blocks. */
export function parseTranscript(): Block[] {
  const lines = fs.readFileSync(path.join(LIVE, 'command-transcript.txt'), 'utf8').split('\n');
  const blocks: Block[] = [];
  let cur: { cmd: string; out: string[] } | undefined;
  for (const l of lines) {
    if (l.startsWith('### CMD: ')) cur = { cmd: l.slice(9), out: [] };
    else if (l.startsWith('### RC: ') && cur) {
      blocks.push({ cmd: cur.cmd, output: cur.out.map((x) => x + '\n').join(''), rc: Number(l.slice(8)) });
      cur = undefined;
    } else if (cur) cur.out.push(l);
  }
  return blocks;
}

/** Hands out blocks in transcript order: the next block with this command line. */
export function cursor(blocks: Block[]) {
  let pos = 0;
  return (cmd: string): Block => {
    const i = blocks.findIndex((b, j) => j >= pos && b.cmd === cmd);
    if (i < 0) throw new Error(`transcript has no further "${cmd}"`);
    pos = i + 1;
    return blocks[i];
  };
}
