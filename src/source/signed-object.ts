/**
 * Splits a raw commit or annotated tag object into the signature and the bytes
 * that were signed, exactly as git does:
 *  - commit: git's commit.c parse_buffer_signed_by_header — the "gpgsig" header
 *    and its continuation lines (" …") hold the signature; every gpgsig* header
 *    (also "gpgsig-sha256") is removed from the payload; the rest is kept byte for byte;
 *  - tag: git's gpg-interface.c parse_signed_buffer — the signature is appended to
 *    the message and starts at the LAST line that begins with a signature marker.
 */
export interface SignedObject {
  kind: 'commit' | 'tag';
  /** armored signature, or null when the object is not signed */
  signature: string | null;
  /** the bytes the signature covers */
  payload: Buffer;
  /** committer (commit) or tagger (tag) time, seconds since the epoch; null when absent */
  time: number | null;
}

const SIG_MARKERS = ['-----BEGIN PGP SIGNATURE-----', '-----BEGIN PGP MESSAGE-----', '-----BEGIN SSH SIGNATURE-----', '-----BEGIN SIGNED MESSAGE-----'];

/** Lines of a buffer, each with its terminating newline (if any). */
function* lines(raw: Buffer): Generator<{ start: number; end: number }> {
  let start = 0;
  while (start < raw.length) {
    const nl = raw.indexOf(0x0a, start);
    const end = nl < 0 ? raw.length : nl + 1;
    yield { start, end };
    start = end;
  }
}

function identityTime(raw: Buffer, header: 'committer' | 'tagger'): number | null {
  for (const { start, end } of lines(raw)) {
    const line = raw.subarray(start, end).toString('utf8');
    if (line === '\n') break;
    if (line.startsWith(header + ' ')) {
      const m = /> (\d+) [+-]\d{4}\n?$/.exec(line);
      return m ? Number(m[1]) : null;
    }
  }
  return null;
}

export function splitCommit(raw: Buffer): SignedObject {
  const payload: Buffer[] = [];
  const sig: Buffer[] = [];
  let inSignature = false;
  let other = false;
  let saw = false;
  for (const { start, end } of lines(raw)) {
    const first = raw[start];
    const lineText = raw.subarray(start, Math.min(end, start + 7)).toString('latin1');
    let sigFrom = -1;
    if (inSignature && first === 0x20) sigFrom = start + 1;
    else if (lineText === 'gpgsig ') {
      sigFrom = start + 7;
      other = false;
    } else if (lineText.startsWith('gpgsig')) other = true;
    else if (other && first !== 0x20) other = false;
    if (sigFrom >= 0) {
      sig.push(raw.subarray(sigFrom, end));
      saw = true;
      inSignature = true;
    } else {
      if (first === 0x0a) {
        // the message: copied whole
        payload.push(raw.subarray(start));
        break;
      }
      if (!other) payload.push(raw.subarray(start, end));
      inSignature = false;
    }
  }
  return { kind: 'commit', signature: saw ? Buffer.concat(sig).toString('utf8') : null, payload: Buffer.concat(payload), time: identityTime(raw, 'committer') };
}

export function splitTag(raw: Buffer): SignedObject {
  let match = raw.length;
  for (const { start } of lines(raw)) {
    const head = raw.subarray(start, start + 40).toString('latin1');
    if (SIG_MARKERS.some((m) => head.startsWith(m))) match = start;
  }
  const signature = match < raw.length ? raw.subarray(match).toString('utf8') : null;
  return { kind: 'tag', signature, payload: raw.subarray(0, match), time: identityTime(raw, 'tagger') };
}

/** The object a tag points at: its "object" and "type" headers. */
export function tagTarget(raw: Buffer): { object: string; type: string } | null {
  const text = raw.subarray(0, Math.min(raw.length, 200)).toString('latin1');
  const m = /^object ([0-9a-f]{40})\ntype (\w+)\n/.exec(text);
  return m ? { object: m[1]!, type: m[2]! } : null;
}
