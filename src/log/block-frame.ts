// Framing a block of whole lines for the console in one pass: find its
// newlines, then copy it once with a prefix before each line and the CR of
// each CRLF ending dropped. The hub's fast path (log-hub.ts): no string is
// made, no per-line allocation.

import { MAX_LINE_BYTES } from './line-splitter.js';

const LF = 0x0a;
const CR = 0x0d;

/** Newline positions of the last scanned block (shared scratch: the hub runs on one thread). */
let positions = new Int32Array(1024);
/** Lines of the last scanned block that end in CRLF. */
let crlfs = 0;

/** CRLF endings in the block last scanned. */
export function scannedCrlfs(): number {
  return crlfs;
}

/**
 * Find a block's newlines (into `positions`) and count its CRLF endings;
 * returns the number of lines, or -1 when a line is longer than the limit
 * (it must be cut: the line-by-line path does that).
 */
export function scan(block: Buffer): number {
  let n = 0;
  let crs = 0;
  let start = 0;
  for (let lf = block.indexOf(LF); lf !== -1; lf = block.indexOf(LF, start)) {
    if (lf - start > MAX_LINE_BYTES) return -1;
    if (lf > start && block[lf - 1] === CR) crs++;
    if (n === positions.length) {
      const bigger = new Int32Array(n * 2);
      bigger.set(positions);
      positions = bigger;
    }
    positions[n++] = lf;
    start = lf + 1;
  }
  crlfs = crs;
  return n;
}

/**
 * The block just scanned (`n` lines) with `prefix` before each line and the
 * CR of each CRLF ending dropped, written into `out` (frameSize bytes; the
 * result may be shorter). The block is copied once to the end of `out`, and
 * each line then moved forward into place (copyWithin: no per-line
 * allocation); a line never moves past the start of its own source.
 */
export function frame(block: Buffer, n: number, prefix: Buffer, out: Buffer = Buffer.allocUnsafe(frameSize(block, n, prefix))): Buffer {
  const p = prefix.length;
  const at = n * p;
  out.set(block, at);
  let o = 0;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const lf = positions[j]!;
    for (let k = 0; k < p; k++) out[o + k] = prefix[k]!;
    o += p;
    if (lf > s && block[lf - 1] === CR) {
      out.copyWithin(o, at + s, at + lf - 1);
      o += lf - 1 - s;
      out[o++] = LF;
    } else {
      out.copyWithin(o, at + s, at + lf + 1);
      o += lf + 1 - s;
    }
    s = lf + 1;
  }
  return o === out.length ? out : out.subarray(0, o);
}

export const frameSize = (block: Buffer, n: number, prefix: Buffer): number => block.length + n * prefix.length;
