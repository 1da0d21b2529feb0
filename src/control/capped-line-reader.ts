// Framing for the control protocol: bytes in, complete lines out, with a hard
// cap on line length so a peer cannot make us buffer without bound. Not the
// log's LineSplitter (src/log/line-splitter.ts), which never refuses output:
// it cuts an overlong line; this one refuses it and the connection ends. Bytes are
// only decoded once a line is complete, so a multi-byte character split across
// chunks is never corrupted.

/**
 * Splits a byte stream into lines, refusing any line longer than `maxLine`
 * bytes: `onOverflow` is called once and the splitter stops (the caller drops
 * the connection). Bytes are only decoded once a line is complete, so a
 * multi-byte character split across chunks is never corrupted.
 */
export class CappedLineReader {
  private parts: Buffer[] = [];
  private size = 0;
  private stopped = false;

  constructor(
    private readonly maxLine: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (!this.stopped) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.size + piece.length > this.maxLine) return this.overflow();
      const line = this.size === 0 ? piece.toString('utf8') : Buffer.concat([...this.parts, piece]).toString('utf8');
      this.parts = [];
      this.size = 0;
      if (line.trim() !== '') this.onLine(line);
    }
    if (this.stopped || start >= chunk.length) return;
    const rest = chunk.subarray(start);
    if (this.size + rest.length > this.maxLine) return this.overflow();
    this.parts.push(rest);
    this.size += rest.length;
  }

  /** Bytes of an unfinished line held. */
  get pending(): number {
    return this.size;
  }

  stop(): void {
    this.stopped = true;
    this.parts = [];
    this.size = 0;
  }

  private overflow(): void {
    this.stop();
    this.onOverflow();
  }
}
