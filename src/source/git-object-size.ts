/**
 * The type and size of a git object, found WITHOUT inflating it: isomorphic-git's
 * readBlob/readObject inflate an object whole, so a 300 MB manifest took 1.9 GB of
 * memory before its size could be checked. Here the size comes from the object's
 * header only:
 *  - loose object (objects/xx/yyyy…): the zlib stream starts with "<type> <size>\0";
 *    a few hundred compressed bytes are inflated to read it;
 *  - packed object: the pack index (.idx v2) gives the offset, the entry header in the
 *    .pack gives type and size; for a delta (OFS_DELTA, REF_DELTA) the result size is
 *    the second varint at the start of the inflated delta data, the type that of its base.
 * Formats: git's Documentation/gitformat-pack.txt (pack and idx v2) and object-file.c
 * (loose objects). Reads are positional and small; nothing is loaded whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export type GitObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface ObjectHeader {
  type: GitObjectType;
  size: number;
}

const PACK_TYPES: Record<number, GitObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;

interface PackIndex {
  idx: string;
  pack: string;
  count: number;
  fanout: Uint32Array | null;
}

/** Finds object headers in one git directory (and its alternates). One instance per source read. */
export class ObjectSizer {
  private readonly objectDirs: string[];
  private packs: PackIndex[] | null = null;

  constructor(gitdir: string) {
    this.objectDirs = [path.join(gitdir, 'objects'), ...alternates(path.join(gitdir, 'objects'))];
  }

  /** The object's type and size, or null when it is not in this repository. */
  header(oid: string): ObjectHeader | null {
    if (!/^[0-9a-f]{40}$/.test(oid)) return null;
    for (const dir of this.objectDirs) {
      const loose = path.join(dir, oid.slice(0, 2), oid.slice(2));
      let fd: number;
      try {
        fd = fs.openSync(loose, 'r');
      } catch {
        continue;
      }
      try {
        return looseHeader(fd, oid);
      } finally {
        fs.closeSync(fd);
      }
    }
    return this.packedHeader(oid, 0);
  }

  private packedHeader(oid: string, depth: number): ObjectHeader | null {
    for (const p of this.packIndexes()) {
      const offset = findInIndex(p, oid);
      if (offset !== null) return this.headerAt(p, offset, depth);
    }
    return null;
  }

  /** Headers by pack entry: delta chains share their bases (issue 12: 10,000 headers took 5.8 s). */
  private readonly known = new Map<PackIndex, Map<number, ObjectHeader>>();

  private headerAt(p: PackIndex, offset: number, depth: number): ObjectHeader {
    let inPack = this.known.get(p);
    if (!inPack) this.known.set(p, (inPack = new Map()));
    const hit = inPack.get(offset);
    if (hit) return hit;
    const h = this.headerAtUncached(p, offset, depth);
    inPack.set(offset, h);
    return h;
  }

  private headerAtUncached(p: PackIndex, offset: number, depth: number): ObjectHeader {
    if (depth > 100) throw new Error(`delta chain too long at ${path.basename(p.pack)}:${offset}`);
    const fd = fs.openSync(p.pack, 'r');
    try {
      const head = Buffer.alloc(64);
      const n = fs.readSync(fd, head, 0, head.length, offset);
      let i = 0;
      let c = head[i++]!;
      const type = (c >> 4) & 7;
      let size = c & 15;
      let shift = 4;
      while (c & 0x80) {
        if (i >= n) throw new Error('truncated pack entry header');
        c = head[i++]!;
        size += (c & 0x7f) * 2 ** shift;
        shift += 7;
      }
      if (PACK_TYPES[type]) return { type: PACK_TYPES[type]!, size };
      let base: ObjectHeader | null;
      if (type === OFS_DELTA) {
        // offset encoding: each continuation adds one before shifting (gitformat-pack "offset encoding")
        c = head[i++]!;
        let rel = c & 0x7f;
        while (c & 0x80) {
          c = head[i++]!;
          rel = (rel + 1) * 128 + (c & 0x7f);
        }
        const dataStart = offset + i;
        const resultSize = deltaResultSize(fd, dataStart);
        base = this.headerAt(p, offset - rel, depth + 1);
        return { type: base.type, size: resultSize };
      }
      if (type === REF_DELTA) {
        const baseOid = head.subarray(i, i + 20).toString('hex');
        const resultSize = deltaResultSize(fd, offset + i + 20);
        base = this.packedHeader(baseOid, depth + 1) ?? this.header(baseOid);
        if (!base) throw new Error(`delta base ${baseOid} not found`);
        return { type: base.type, size: resultSize };
      }
      throw new Error(`unknown pack entry type ${type}`);
    } finally {
      fs.closeSync(fd);
    }
  }

  private packIndexes(): PackIndex[] {
    if (this.packs) return this.packs;
    const out: PackIndex[] = [];
    for (const dir of this.objectDirs) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(path.join(dir, 'pack'));
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (!n.endsWith('.idx')) continue;
        const pack = path.join(dir, 'pack', n.slice(0, -4) + '.pack');
        if (!fs.existsSync(pack)) continue;
        out.push({ idx: path.join(dir, 'pack', n), pack, count: 0, fanout: null });
      }
    }
    this.packs = out;
    return out;
  }
}

function alternates(objectsDir: string): string[] {
  try {
    return fs
      .readFileSync(path.join(objectsDir, 'info', 'alternates'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => path.resolve(objectsDir, l));
  } catch {
    return [];
  }
}

/** Inflates the start of a zlib stream at `pos` of `fd`: at most `want` bytes of output are looked at. */
function inflatePrefix(fd: number, pos: number, done: (out: Buffer) => boolean): Buffer {
  // a dynamic Huffman block header is at most ~300 bytes; grow the input until the prefix is complete
  for (const len of [128, 1024, 8192]) {
    const buf = Buffer.alloc(len);
    const n = fs.readSync(fd, buf, 0, len, pos);
    let out: Buffer;
    try {
      // small output chunks: the default 16 KiB per call, for the few bytes wanted, was most of the
      // memory a 1,000-file revision read took (issue 12: peak RSS of `plan --repo`)
      out = zlib.inflateSync(buf.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 1024 });
    } catch (err) {
      if (n < len) throw err;
      continue;
    }
    if (done(out) || n < len) return out;
  }
  throw new Error('cannot read the object header');
}

function looseHeader(fd: number, oid: string): ObjectHeader {
  const out = inflatePrefix(fd, 0, (o) => o.indexOf(0) >= 0);
  const nul = out.indexOf(0);
  const m = nul > 0 ? /^(commit|tree|blob|tag) (\d{1,15})$/.exec(out.subarray(0, nul).toString('latin1')) : null;
  if (!m) throw new Error(`loose object ${oid} has no valid header`);
  return { type: m[1] as GitObjectType, size: Number(m[2]) };
}

/** A delta starts with two varints: the base size and the result size. */
function deltaResultSize(fd: number, pos: number): number {
  const varints = (o: Buffer): number[] => {
    const vals: number[] = [];
    let i = 0;
    while (vals.length < 2 && i < o.length) {
      let v = 0;
      let shift = 0;
      let c: number;
      do {
        if (i >= o.length) return vals;
        c = o[i++]!;
        v += (c & 0x7f) * 2 ** shift;
        shift += 7;
      } while (c & 0x80);
      vals.push(v);
    }
    return vals;
  };
  const out = inflatePrefix(fd, pos, (o) => varints(o).length === 2);
  const v = varints(out);
  if (v.length < 2) throw new Error('truncated delta header');
  return v[1]!;
}

/** Binary search in a v2 pack index, reading 20-byte names at their positions. */
function findInIndex(p: PackIndex, oid: string): number | null {
  const fd = fs.openSync(p.idx, 'r');
  try {
    if (!p.fanout) {
      const head = Buffer.alloc(8 + 256 * 4);
      fs.readSync(fd, head, 0, head.length, 0);
      if (head.readUInt32BE(0) !== 0xff744f63 || head.readUInt32BE(4) !== 2) throw new Error(`${p.idx}: not a version 2 pack index`);
      const fanout = new Uint32Array(256);
      for (let i = 0; i < 256; i++) fanout[i] = head.readUInt32BE(8 + i * 4);
      p.fanout = fanout;
      p.count = fanout[255]!;
    }
    const target = Buffer.from(oid, 'hex');
    const first = target[0]!;
    let lo = first === 0 ? 0 : p.fanout[first - 1]!;
    let hi = p.fanout[first]!; // exclusive
    const name = Buffer.alloc(20);
    const namesAt = 8 + 256 * 4;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      fs.readSync(fd, name, 0, 20, namesAt + mid * 20);
      const cmp = name.compare(target);
      if (cmp === 0) {
        const offsAt = namesAt + p.count * 20 + p.count * 4;
        const b4 = Buffer.alloc(4);
        fs.readSync(fd, b4, 0, 4, offsAt + mid * 4);
        const o = b4.readUInt32BE(0);
        if (!(o & 0x80000000)) return o;
        const b8 = Buffer.alloc(8);
        fs.readSync(fd, b8, 0, 8, offsAt + p.count * 4 + (o & 0x7fffffff) * 8);
        return Number(b8.readBigUInt64BE(0));
      }
      if (cmp < 0) lo = mid + 1;
      else hi = mid;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
