// A ProcessHost with no processes (os/ports.ts), in the style of dinit's
// proctests.cc: the runtime asks it to spawn, signal and sweep; it records
// each request, and the test scripts what the "processes" do — exit with a
// code or a signal, fail to exec, leave members behind in their session.
// Like the real host it reports `spawned` on the next tick (never from inside
// spawn()), so the driver's batching behaves as it does for real.
import type { Child, ChildEvents, ChildRole, Leftover, ProcessHost, ResolvedUser, SpawnRequest } from '../../src/os/ports.js';
import type { ResourceFigures, SelfFigures } from '../../src/types.js';

export interface FakeProcess {
  pid: number;
  req: SpawnRequest;
  role: ChildRole;
  events: ChildEvents;
  /** Still running (spawned, not exited). */
  alive: boolean;
}

export class FakeHost implements ProcessHost {
  /** Every request, in order: `spawn:<argv>`, `group:<pid>:<SIG>`, `pid:<pid>:<SIG>`, `tree:<pid>:<SIG>`, `sweep:<sid>:<SIG>`, `kill-leftovers:<pids>`. */
  readonly calls: string[] = [];
  readonly procs: FakeProcess[] = [];
  /** Processes a session keeps after its leader exits (by sid). */
  readonly leftovers = new Map<number, Leftover[]>();
  /** The next spawn of this argv[0] fails with this errno code (ENOENT, EACCES…). */
  readonly failExec = new Map<string, string>();
  users: Record<string, ResolvedUser> = {};
  /** Processes with no group of their own yet (main with a terminal makes its group after spawn): signalGroup misses them. */
  readonly groupless = new Set<number>();
  private nextPid = 100;

  spawn(req: SpawnRequest, role: ChildRole, events: ChildEvents): Child {
    this.calls.push(`spawn:${req.command.join(' ')}`);
    const file = req.command[0] ?? '';
    const code = this.failExec.get(file);
    if (code !== undefined) {
      this.failExec.delete(file);
      const err: NodeJS.ErrnoException = Object.assign(new Error(`spawn ${file} ${code}`), { code, path: file });
      process.nextTick(() => events.failed(err));
      return { pid: undefined, stdout: null, stderr: null, stdio: [] };
    }
    const p: FakeProcess = { pid: this.nextPid++, req, role, events, alive: true };
    this.procs.push(p);
    process.nextTick(() => events.spawned(p.pid));
    return { pid: p.pid, stdout: null, stderr: null, stdio: [null, null, null] };
  }

  signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
    this.calls.push(`group:${pgid}:${signal}`);
    return !this.groupless.has(pgid) && (this.byPid(pgid)?.alive ?? false);
  }

  signalPid(pid: number, signal: NodeJS.Signals): boolean {
    this.calls.push(`pid:${pid}:${signal}`);
    return this.byPid(pid)?.alive ?? false;
  }

  signalTree(pid: number, signal: NodeJS.Signals): number {
    this.calls.push(`tree:${pid}:${signal}`);
    return this.byPid(pid)?.alive ? 1 : 0;
  }

  sweepSession(sid: number, signal: NodeJS.Signals): Leftover[] {
    const left = this.leftovers.get(sid) ?? [];
    if (left.length) this.calls.push(`sweep:${sid}:${signal}`);
    return left;
  }

  killLeftovers(left: readonly Leftover[]): void {
    this.calls.push(`kill-leftovers:${left.map((l) => l.pid).join(',')}`);
  }

  resolveUser(spec: string): ResolvedUser {
    const u = this.users[spec];
    if (!u) throw new Error(`unknown user ${spec}`);
    return u;
  }

  describeSpawnError(err: unknown, command: string | string[]): string {
    const file = Array.isArray(command) ? command[0] : command;
    return `cannot execute '${file}': ${(err as NodeJS.ErrnoException).code}`;
  }

  /** Each running leader asked for: one process, idle, 1 MiB. */
  sampleResources(leaders: number[]): Map<number, ResourceFigures> {
    const out = new Map<number, ResourceFigures>();
    for (const pid of leaders) if (this.byPid(pid)?.alive) out.set(pid, { cpuSeconds: 0, cpuPercent: 0, rssBytes: 1 << 20, processes: 1 });
    return out;
  }

  selfFigures(): SelfFigures {
    return { cpuUserSeconds: 0, cpuSystemSeconds: 0, rssBytes: 0, heapBytes: 0, startTimeSeconds: 0, openFds: null, maxFds: null };
  }

  isTransientSpawnError(err: unknown): boolean {
    return ['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM'].includes((err as NodeJS.ErrnoException).code ?? '');
  }

  byPid(pid: number): FakeProcess | undefined {
    return this.procs.find((p) => p.pid === pid);
  }

  /** The newest process whose argv[0] is `file` (a service's command). */
  last(file: string): FakeProcess {
    const p = this.procs.filter((x) => x.req.command[0] === file).pop();
    if (!p) throw new Error(`nothing was spawned for ${file} (calls: ${this.calls.join(' ')})`);
    return p;
  }

  /** The process ends: its exit reaches the driver as the real host's would. */
  exit(pid: number, code: number | null, signal: NodeJS.Signals | null = null): void {
    const p = this.byPid(pid);
    if (!p || !p.alive) throw new Error(`pid ${pid} is not running`);
    p.alive = false;
    p.events.exited(code, signal);
  }

  /** Requests since the last call (and forget them). */
  take(): string[] {
    return this.calls.splice(0);
  }
}

/** Let the ticks and microtasks the runtime queued run (spawned reports, batches, waiters). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}
