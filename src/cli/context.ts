// What a CLI verb gets to work with: its environment, where output goes, when
// to stop following, and how to reach the config loader. Verbs never touch
// process.* directly, so tests run them in-process with captured output and a
// stub loader, and the real binary wires process streams and signals here.
// Colour is decided here too (NO_COLOR / FORCE_COLOR / TTY), with plain ANSI
// codes: status output needs four colours, not a colour library's start-up.

import type { Config } from '../types.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (for colour and layout). */
  readonly isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM or when stdout's reader went away (EPIPE): `logs -f` stops. */
  interrupted(): AbortSignal;
}

/** The config loader's API (src/config), loaded lazily: it pulls in `yaml`. */
export interface ConfigModule {
  loadConfigFile(file: string, env: NodeJS.ProcessEnv): Config | Promise<Config>;
  resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string;
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
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') {
      broken = true;
      controller?.abort();
    }
  };
  process.stdout.on('error', onStdoutError);
  return {
    out(text) {
      if (!broken) process.stdout.write(text);
    },
    err(text) {
      process.stderr.write(text);
    },
    isTTY: process.stdout.isTTY === true,
    interrupted() {
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

/** NO_COLOR / FORCE_COLOR as https://no-color.org and https://force-color.org describe them. */
export function colourEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false', 'no'].includes(force.toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  /** A stable colour per name (service prefixes in `logs`). */
  byName(name: string, s: string): string;
}

const NAME_COLOURS = [36, 35, 34, 32, 33, 96, 95, 94];

export function paint(on: boolean): Paint {
  const sgr = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    red: sgr(31, 39),
    dim: sgr(2, 22),
    bold: sgr(1, 22),
    byName(name, s) {
      let h = 0;
      for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      return sgr(NAME_COLOURS[h % NAME_COLOURS.length] ?? 36, 39)(s);
    },
  };
}

/** Visible width of a string, ignoring ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
