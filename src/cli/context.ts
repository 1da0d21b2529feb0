// What a CLI verb gets to work with: its environment, where output goes, when
// to stop following, and how to reach the config loader. Verbs never touch
// process.* directly, so tests run them in-process with captured output and a
// stub loader, and the real binary wires process streams and signals here.
// Colour follows the one rule of src/color.ts (NO_COLOR / FORCE_COLOR / TTY),
// applied to this verb's environment and stdout.

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

export function processIO(): CliIO {
  let broken = false;
  let controller: AbortController | undefined;
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
  return {
    out(text) {
      if (!broken) out().write(text);
    },
    err(text) {
      process.stderr.write(text);
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
