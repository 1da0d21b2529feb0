// What a CLI verb gets to work with: its environment, where output goes, when
// to stop following, and how to reach the config loader. Verbs never touch
// process.* directly, so tests run them in-process with captured output and a
// stub loader, and the real binary wires process streams and signals here.
// Colour follows the one rule of src/color.ts (NO_COLOR / FORCE_COLOR / TTY),
// applied to this verb's environment and stdout.

import { writeSync } from 'node:fs';
import { chalkAt, colorLevel, colorOfName, type ChalkInstance } from '../color.js';
import type { Config } from '../types.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (for colour and layout). */
  readonly isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM or when stdout's reader went away (EPIPE): `logs -f` stops. */
  interrupted(): AbortSignal;
}

/** The config loader's API (src/config), loaded lazily: it pulls in js-yaml. */
export interface ConfigModule {
  loadConfigFile(file: string, env: NodeJS.ProcessEnv): Config | Promise<Config>;
  resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string;
  chooseConfig(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): { file: string; why: string; shadows?: string };
  describeShadowing(choice: { file: string; why: string; shadows?: string }): string | null;
  shutdownBudget(config: Config): { warnings: string[] };
  httpWarnings(config: Config): string[];
}

export interface CliContext {
  /** The verb being run (start/stop/restart share one module). */
  verb: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  uid: number | undefined;
  io: CliIO;
  loadConfigModule(): Promise<ConfigModule>;
}

export interface ProcessIOOptions {
  /**
   * Write stdout with write(2) itself, blocking, not through process.stdout: for a verb that
   * writes its answer and then exits. process.stdout over a pipe is asynchronous: a pipe takes
   * 64 KiB at once, and process.exit drops what it has not taken yet (a 3000-service table into
   * `| less` lost all but 64 KiB). A non-blocking stdout that is full (EAGAIN: something made
   * process.stdout over the pipe, which sets O_NONBLOCK), or any error but EPIPE, hands the rest,
   * and all later writes, to process.stdout: wait for flushed() before exiting.
   */
  writeSync?: boolean;
}

export interface ProcessIO extends CliIO {
  /** Resolves once what was written to stdout has gone to the kernel (at once if nothing is pending). */
  flushed(): Promise<void>;
}

export function processIO(opts: ProcessIOOptions = {}): ProcessIO {
  let broken = false;
  let controller: AbortController | undefined;
  let direct = opts.writeSync === true;
  // process.stdout is made on first use (a stream over a pipe, file or TTY costs ~0.5 ms): a
  // client verb sends its request first and builds it while the supervisor answers.
  let stdout: NodeJS.WriteStream | undefined;
  const out = (): NodeJS.WriteStream => {
    if (!stdout) {
      stdout = process.stdout;
      stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') {
          broken = true;
          controller?.abort();
        }
      });
    }
    return stdout;
  };
  /** Writes what it can with write(2); returns what is left for the stream (undefined: nothing). */
  const writeDirect = (text: string): Buffer | undefined => {
    const buf = Buffer.from(text);
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(1, buf, done);
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
        broken = true;
        controller?.abort();
        return undefined;
      }
      direct = false;
      return buf.subarray(done);
    }
  };
  return {
    out(text) {
      if (broken) return;
      if (!direct) {
        out().write(text);
        return;
      }
      const rest = writeDirect(text);
      if (rest !== undefined) out().write(rest);
    },
    err(text) {
      process.stderr.write(text);
    },
    flushed() {
      const s = stdout;
      if (!s || broken || s.writableLength === 0) return Promise.resolve();
      // Write callbacks come in order: this one once everything before it is written (or failed).
      return new Promise((resolve) => s.write('', () => resolve()));
    },
    get isTTY() {
      return out().isTTY === true;
    },
    interrupted() {
      out(); // an EPIPE on stdout interrupts too
      if (!controller) {
        const c = new AbortController();
        controller = c;
        if (broken) c.abort();
        const stop = (): void => c.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        c.signal.addEventListener('abort', () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        });
      }
      return controller.signal;
    },
  };
}

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  /** A service name in its colour, the same one the supervisor's console gives it. */
  byName(name: string, s: string): string;
}

/** Painting with a chalk (null: plain text). */
export function paintWith(c: ChalkInstance | null): Paint {
  if (!c) {
    const plain = (s: string): string => s;
    return { green: plain, yellow: plain, red: plain, dim: plain, bold: plain, byName: (_name, s) => s };
  }
  return {
    green: (s) => c.green(s),
    yellow: (s) => c.yellow(s),
    red: (s) => c.red(s),
    dim: (s) => c.dim(s),
    bold: (s) => c.bold(s),
    byName: (name, s) => c[colorOfName(name)](s),
  };
}

/** How a verb paints its stdout, by the one colour rule (src/color.ts). */
export async function paintFor(ctx: CliContext): Promise<Paint> {
  return paintWith(await chalkAt(colorLevel(ctx.io.isTTY, ctx.env)));
}

/** Visible width of a string, ignoring ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC (\x1b): matching them is the point
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
