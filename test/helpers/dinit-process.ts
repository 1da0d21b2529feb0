// Runs the real dinit binary for end-to-end tests, the way a container would:
// `node bin/dinit.cjs run -c FILE --socket PATH [-- CMD...]`, optionally as PID 1
// of a fresh PID namespace (`unshare --pid --fork --mount-proc`). Everything a
// test asserts on is an event with a deadline — a line of output, an exit — so
// the helper records every line (with the time it arrived) and lets tests wait
// for a pattern instead of sleeping. Cleanup walks /proc from the spawned pid
// and SIGKILLs the whole tree, because services run in their own sessions and a
// process-group kill alone would leave them behind when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from './paths.js';

export const dinitBin = join(repoRoot, 'bin', 'dinit.cjs');

export type Stream = 'stdout' | 'stderr';

export interface Line {
  stream: Stream;
  text: string;
  /** performance.now() when the line arrived. */
  at: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  /** Path of the config file (see writeConfig). Omitted: no `-c`. */
  config?: string;
  /** Trailing `-- CMD ARG...` (the `main` service). */
  command?: string[];
  /** Extra arguments after `run` (before `--`). */
  args?: string[];
  /** Run as PID 1 of a new PID namespace. */
  pidns?: boolean;
  /** Socket path; default: `<dir>/dinit.sock`. */
  socket?: string;
  /** Private tmp dir (created if omitted); removed by cleanup when made by makeTmpDir. */
  dir?: string;
  env?: Record<string, string>;
  /** Text piped to dinit's stdin (then closed); omitted: stdin is /dev/null. */
  stdin?: string;
  cwd?: string;
  /** Script to run instead of bin/dinit.cjs (for testing the helper itself). */
  bin?: string;
  /** A node:test context: cleanup is registered with `t.after`. */
  t?: { after(fn: () => unknown): void };
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Index into lines() to start searching from (default 0). */
  from?: number;
  /** Only look at this stream (default both). */
  stream?: Stream;
}

const TAG_VAR = 'DINIT_E2E_RUN';
let runCount = 0;
const live = new Set<DinitProcess>();
process.on('exit', () => {
  for (const d of live) d.killAllSync();
});

/** Dirs made by makeTmpDir: removed by the cleanup of a run that used them. */
const madeDirs = new Set<string>();

/** Make a private tmp dir for one test (removed with the dinit run that uses it). */
export function makeTmpDir(prefix = 'dinit-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.add(dir);
  return dir;
}

/** Write `dinit.yaml` (or `name`) into dir; returns its path. */
export function writeConfig(dir: string, yamlText: string, name = 'dinit.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yamlText);
  return file;
}

/** Direct children of pid (all threads), from /proc/<pid>/task/<tid>/children. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      for (const w of text.split(/\s+/)) if (w) out.push(Number(w));
    } catch {
      /* task gone */
    }
  }
  return out;
}

/** Every descendant of pid, depth first. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const stack = childrenOf(pid);
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...childrenOf(p));
  }
  return out;
}

/** Process state letter (R, S, Z, ...) from /proc/<pid>/stat, or null if gone. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** Zombie pids among pid's children (or all descendants with `deep`). */
export function zombiesUnder(pid: number, deep = false): number[] {
  const pids = deep ? descendantsOf(pid) : childrenOf(pid);
  return pids.filter((p) => procState(p) === 'Z');
}

/** Pids whose environment holds exactly `entry` ("NAME=value"). */
export function pidsWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) out.push(Number(name));
    } catch {
      /* gone or not readable */
    }
  }
  return out;
}

/** Whether a pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const s = procState(pid);
  return s !== null && s !== 'Z';
}

/** Poll `check` until it returns a non-undefined value or the deadline passes. */
export async function waitUntil<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Start the real binary. Resolves once spawned (and, with pidns, once the inner pid is known). */
export async function startDinit(opts: StartOptions = {}): Promise<DinitProcess> {
  const d = new DinitProcess(opts);
  opts.t?.after(() => d.cleanup());
  if (opts.pidns) await d.dinitPid();
  return d;
}

export class DinitProcess {
  readonly dir: string;
  readonly socket: string;
  readonly child: ChildProcess;
  readonly env: NodeJS.ProcessEnv;
  /** Marker put in dinit's environment (inherited by services) to find strays. */
  readonly tag: string;
  /** The script the supervisor runs; client verbs (cli()) run the same one. */
  readonly bin: string;
  private readonly ownsDir: boolean;
  private readonly pidns: boolean;
  private readonly all: Line[] = [];
  private readonly partial: Record<Stream, string> = { stdout: '', stderr: '' };
  private waiters: Array<() => void> = [];
  private exitStatus: ExitStatus | null = null;
  private innerPid: number | null = null;

  constructor(opts: StartOptions) {
    this.dir = opts.dir ?? makeTmpDir();
    this.ownsDir = madeDirs.has(this.dir);
    this.socket = opts.socket ?? join(this.dir, 'dinit.sock');
    this.pidns = opts.pidns ?? false;
    this.tag = `${process.pid}-${++runCount}`;
    this.env = { ...process.env, NO_COLOR: '1', DINIT_SOCKET: this.socket, [TAG_VAR]: this.tag, ...opts.env };
    delete this.env.FORCE_COLOR;
    delete this.env.DINIT_CONFIG;
    this.bin = opts.bin ?? dinitBin;
    const argv = [this.bin, 'run'];
    if (opts.config !== undefined) argv.push('-c', opts.config);
    argv.push('--socket', this.socket, ...(opts.args ?? []));
    if (opts.command) argv.push('--', ...opts.command);
    const [file, args] = this.pidns ? ['unshare', ['--pid', '--fork', '--mount-proc', process.execPath, ...argv]] : [process.execPath, argv];
    this.child = spawn(file, args, {
      cwd: opts.cwd ?? this.dir,
      env: this.env,
      stdio: [opts.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (opts.stdin !== undefined) this.child.stdin?.end(opts.stdin);
    if (!this.pidns) this.innerPid = this.child.pid ?? null;
    live.add(this);
    for (const stream of ['stdout', 'stderr'] as const) {
      const s = this.child[stream]!;
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => this.onData(stream, chunk));
      s.on('end', () => {
        if (this.partial[stream]) this.push(stream, this.partial[stream]);
        this.partial[stream] = '';
      });
    }
    // A stray process holding our pipes would delay 'close' forever: accept
    // the exit alone after a grace period.
    this.child.on('exit', (code, signal) => {
      setTimeout(() => {
        if (this.exitStatus) return;
        this.exitStatus = { code, signal };
        this.notify();
      }, 1000).unref();
    });
    this.child.on('close', (code, signal) => {
      this.exitStatus = { code, signal };
      this.notify();
    });
    this.child.on('error', (err) => {
      this.push('stderr', `[helper] spawn error: ${err.message}`);
      this.exitStatus = { code: null, signal: null };
      this.notify();
    });
  }

  /** Host pid of the spawned process (unshare in pidns mode, else dinit itself). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** dinit's own pid as seen from the host (the child of unshare in pidns mode). */
  async dinitPid(timeoutMs = 5000): Promise<number> {
    if (this.innerPid !== null) return this.innerPid;
    const pid = await waitUntil(
      'the pid of dinit inside the namespace',
      () => {
        if (this.exitStatus) throw new Error(`unshare exited early\n${this.dump()}`);
        return childrenOf(this.pid)[0];
      },
      timeoutMs,
      5,
    );
    this.innerPid = pid;
    return pid;
  }

  private onData(stream: Stream, chunk: string): void {
    const parts = (this.partial[stream] + chunk).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const p of parts) this.push(stream, p);
  }

  private push(stream: Stream, text: string): void {
    this.all.push({ stream, text: text.replace(/\r$/, ''), at: performance.now() });
    this.notify();
  }

  private notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** All lines so far (both streams, arrival order), or one stream's. */
  lines(stream?: Stream): string[] {
    return this.entries(stream).map((l) => l.text);
  }

  /** Lines with stream and arrival time. */
  entries(stream?: Stream): Line[] {
    return stream ? this.all.filter((l) => l.stream === stream) : [...this.all];
  }

  /** Number of lines so far: a `from` mark for later waits. */
  mark(): number {
    return this.all.length;
  }

  /** Index (into lines()) of the first line matching re at or after from, or -1. */
  indexOf(re: RegExp, from = 0, stream?: Stream): number {
    for (let i = from; i < this.all.length; i++) {
      const l = this.all[i]!;
      if ((!stream || l.stream === stream) && re.test(l.text)) return i;
    }
    return -1;
  }

  /** The collected output, for assertion messages. */
  dump(): string {
    const exit = this.exitStatus ? ` (exited: code ${this.exitStatus.code}, signal ${this.exitStatus.signal})` : '';
    return `--- output of dinit${exit} ---\n${this.all.map((l) => (l.stream === 'stderr' ? 'E ' : '  ') + l.text).join('\n')}\n---`;
  }

  /** Wait for a line matching re; resolves with the line, rejects with the output on deadline or exit. */
  async waitForLine(re: RegExp, opts: WaitOptions = {}): Promise<string> {
    const entry = await this.waitForEntry(re, opts);
    return entry.text;
  }

  /** Like waitForLine, with the line's index and arrival time. */
  async waitForEntry(re: RegExp, opts: WaitOptions = {}): Promise<Line & { index: number }> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const from = opts.from ?? 0;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.indexOf(re, from, opts.stream);
      if (i >= 0) return { ...this.all[i]!, index: i };
      if (this.exitStatus) {
        throw new Error(`dinit exited before a line matched ${re}\n${this.dump()}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs}ms waiting for a line matching ${re}\n${this.dump()}`);
      await this.nextEvent(left);
    }
  }

  private nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Send a signal to dinit itself (the inner pid in pidns mode). */
  async signal(sig: NodeJS.Signals): Promise<void> {
    process.kill(await this.dinitPid(), sig);
  }

  /** Whether it has exited (all output read). */
  get exitedStatus(): ExitStatus | null {
    return this.exitStatus;
  }

  /** Wait for the exit; rejects with the output on deadline. */
  async exited(timeoutMs = 10000): Promise<ExitStatus> {
    const deadline = performance.now() + timeoutMs;
    while (!this.exitStatus) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`dinit did not exit within ${timeoutMs}ms\n${this.dump()}`);
      await this.nextEvent(left);
    }
    return this.exitStatus;
  }

  /** Run a client verb of the same build against this supervisor's socket (`env` adds to its environment). */
  cli(args: string[], timeoutMs = 10000, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli(args, { env: { ...this.env, ...env }, cwd: this.dir, timeoutMs, bin: this.bin });
  }

  /**
   * Processes left over from this run: the tree under the spawned pid while it
   * lives, plus anything carrying this run's env tag (services and orphans that
   * were reparented away after dinit died).
   */
  leftovers(): number[] {
    const pids = new Set<number>(this.exitStatus || this.pid <= 0 ? [] : [this.pid, ...descendantsOf(this.pid)]);
    for (const p of pidsWithEnv(`${TAG_VAR}=${this.tag}`)) pids.add(p);
    pids.delete(process.pid);
    return [...pids].filter(isAlive);
  }

  /** SIGKILL dinit and every process of this run, synchronously (also the safety net on exit). */
  killAllSync(): void {
    for (const p of this.leftovers()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (!this.exitStatus && this.pid > 0) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        /* group gone */
      }
    }
  }

  /** Kill everything, wait for the exit, remove the tmp dir. Safe to call twice. */
  async cleanup(): Promise<void> {
    if (!live.has(this)) return;
    // Services live in their own sessions and survive dinit's death: kill the
    // tree (found from /proc) until nothing is left under the spawned pid.
    for (let round = 0; round < 100; round++) {
      if (this.exitStatus && this.leftovers().length === 0) break;
      this.killAllSync();
      await new Promise((r) => setTimeout(r, 20));
    }
    live.delete(this);
    if (this.ownsDir) {
      madeDirs.delete(this.dir);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Run `node bin/dinit.cjs ARGS` (or another build's `bin`) to completion. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; bin?: string; uid?: number; gid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.bin ?? dinitBin, ...args], {
      cwd: opts.cwd,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
      env: opts.env ?? { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timeoutMs = opts.timeoutMs ?? 10000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dinit ${args.join(' ')} did not finish within ${timeoutMs}ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
