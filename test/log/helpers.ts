// Shared test helpers for the log area: capture a hub's console output in
// memory and wait for it to satisfy a condition, with a deadline (no sleeps).
import { PassThrough } from 'node:stream';
import type { LogSpec } from '../../src/types.js';

export interface Capture {
  stream: PassThrough;
  text(): string;
  /** Resolves with the text once `pred(text)` holds; rejects after `ms`. */
  waitFor(pred: (text: string) => boolean, ms?: number): Promise<string>;
}

export function capture(): Capture {
  const stream = new PassThrough();
  let buf = '';
  const waiters = new Set<() => void>();
  stream.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    for (const w of [...waiters]) w();
  });
  return {
    stream,
    text: () => buf,
    waitFor(pred, ms = 3000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pred(buf)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(buf);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${ms} ms; output so far:\n${buf.slice(-2000)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

export function spec(over: Partial<LogSpec> = {}): LogSpec {
  return { prefix: true, maxSize: 0, keep: 0, buffer: 1000, ...over };
}

/** Resolve on the first matching event, reject after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
