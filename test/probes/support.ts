// Shared by the probe tests: start fixture programs (killed when the test
// ends), turn their stdout into the line subscription a ProbeContext offers,
// and record probe callbacks as events a test can await with a deadline.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fixtureBin } from '../helpers/paths.js';
import { realClock } from '../../src/core/clock.js';
import type { ProbeContext } from '../../src/runtime/probes/index.js';
import { host } from '../helpers/host.js';

/** The real ports a probe runs on in these tests (dinit wires the same in runtime/run.ts). */
const ports = { host, clock: realClock() };

/**
 * How long a test waits for an event before failing. Generous on purpose: on a
 * loaded machine starting a node fixture can take seconds; a passing test never
 * waits this long.
 */
export const DEADLINE = 20_000;

export interface TestContext {
  after(fn: () => unknown): void;
}

export { freePort } from '../helpers/ports.js';

export interface Fixture {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  ctx: ProbeContext;
  /** Resolve when a stdout line matches. */
  waitLine(re: RegExp, ms?: number): Promise<string>;
}

export function startFixture(t: TestContext, name: string, args: string[], opts: { env?: Record<string, string>; extraStdio?: ('pipe' | 'ignore')[] } = {}): Fixture {
  const env = { ...(process.env as Record<string, string>), ...opts.env };
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...(opts.extraStdio ?? [])];
  const child = spawn(process.execPath, [fixtureBin(name), ...args], { env, stdio, detached: true });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const subs = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const s of [...subs]) s(line);
  });
  const ctx: ProbeContext = {
    ...ports,
    service: name,
    env,
    onLine(cb) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
  };
  const waitLine = (re: RegExp, ms = DEADLINE): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return withDeadline(
      new Promise<string>((resolve) => {
        const sub = (l: string): void => {
          if (!re.test(l)) return;
          subs.delete(sub);
          resolve(l);
        };
        subs.add(sub);
      }),
      ms,
      `a line matching ${re} from ${name} (got ${JSON.stringify(lines)})`,
    );
  };
  return { child, lines, stderr: () => stderr, ctx, waitLine };
}

/** A context with no process behind it (for tcp/http/exec probes against something else). */
export function bareContext(env: Record<string, string> = process.env as Record<string, string>, cwd?: string): ProbeContext {
  return { ...ports, service: 'test', env, cwd, onLine: () => () => {} };
}

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export type ProbeEvent =
  | { kind: 'ready'; at: number }
  | { kind: 'fail'; message: string; at: number }
  | { kind: 'status'; text: string; at: number }
  | { kind: 'healthy'; at: number }
  | { kind: 'unhealthy'; message: string; at: number };

/** Records callbacks; `next(kind)` resolves on the first event of that kind not yet consumed. */
export class Recorder {
  readonly events: ProbeEvent[] = [];
  private waiters: { kind: ProbeEvent['kind']; from: number; resolve(e: ProbeEvent): void }[] = [];
  private consumed = new Map<string, number>();

  private push(e: ProbeEvent): void {
    this.events.push(e);
    for (const w of [...this.waiters]) this.check(w);
  }

  private check(w: Recorder['waiters'][number]): void {
    const i = this.events.findIndex((e, idx) => idx >= w.from && e.kind === w.kind);
    if (i < 0) return;
    this.waiters = this.waiters.filter((x) => x !== w);
    this.consumed.set(w.kind, i + 1);
    w.resolve(this.events[i]!);
  }

  next(kind: ProbeEvent['kind'], ms = DEADLINE): Promise<ProbeEvent> {
    return withDeadline(
      new Promise<ProbeEvent>((resolve) => {
        const w = { kind, from: this.consumed.get(kind) ?? 0, resolve };
        this.waiters.push(w);
        this.check(w);
      }),
      ms,
      `a ${kind} event (so far: ${JSON.stringify(this.events.map((e) => e.kind))})`,
    );
  }

  count(kind: ProbeEvent['kind']): number {
    return this.events.filter((e) => e.kind === kind).length;
  }

  readonly readiness = {
    onReady: () => this.push({ kind: 'ready', at: performance.now() }),
    onFail: (message: string) => this.push({ kind: 'fail', message, at: performance.now() }),
    onStatus: (text: string) => this.push({ kind: 'status', text, at: performance.now() }),
  };

  readonly health = {
    onHealthy: () => this.push({ kind: 'healthy', at: performance.now() }),
    onUnhealthy: (message: string) => this.push({ kind: 'unhealthy', message, at: performance.now() }),
    onStatus: (text: string) => this.push({ kind: 'status', text, at: performance.now() }),
  };
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Poll /proc until the process is gone (there is no event for a non-child's death). */
export async function waitGone(pid: number, ms = DEADLINE): Promise<void> {
  const until = performance.now() + ms;
  while (isRunning(pid)) {
    if (performance.now() > until) throw new Error(`process ${pid} still running after ${ms}ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function waitExit(child: ChildProcess, ms = DEADLINE): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return withDeadline(new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))), ms, `pid ${child.pid} to exit`);
}
