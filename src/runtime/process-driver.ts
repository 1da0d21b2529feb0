// The ServiceDriver over real processes: spawn in its own session, watch
// readiness and health, signal the process group, report back to the graph.
//
// Each start gets a generation number; callbacks from an older generation (a
// process that was replaced, a probe that lost the race with an exit) are
// dropped, so the graph only ever hears about the process it asked for.
//
// A service is its whole session, not just its first process: when the
// leader of a process service exits (crash, kill -9, stop), whatever it left
// in its session is stopped the same way — stop-signal now, SIGKILL after
// stop-timeout — so a restart never runs next to the remains of the last run.
// The late SIGKILL names each leftover by pid and start time, so a recycled
// pid is never hit.

import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { DriverEvents, ServiceDriver } from '../core/driver.js';
import { killGroup, killPid, killTree, sessionMembers } from '../os/kill.js';
import { readStat } from '../os/proc.js';
import { describeSpawnError, isTransientSpawnError, spawnService } from '../os/spawn.js';
import type { MainConsole } from '../os/terminal.js';
import { resolveUser, type ResolvedUser } from '../os/users.js';
import type { ServiceConfig } from '../types.js';
import { prepareReadiness, startHealth, startReadiness, type ReadinessPrep } from './probes/index.js';
import type { Cancellable, ProbeContext } from './probes/index.js';

/** What the driver needs from the log layer. */
export interface ServiceOutput {
  attach(name: string, stdout: Readable | null, stderr: Readable | null): Promise<void>;
  onLine(name: string, cb: (line: string) => void): () => void;
}

export interface ProcessDriverDeps {
  output: ServiceOutput;
  /**
   * Environment of a service: dinit's own, then `identity` (HOME, USER, LOGNAME
   * of its `user`), then the global environment, then the service's.
   */
  environment(svc: ServiceConfig, identity: Record<string, string>): Record<string, string>;
  /** What the `main` service gets of dinit's stdio (see os/terminal.ts); absent: like any service. */
  mainConsole?: MainConsole;
}

interface Running {
  gen: number;
  child: ChildProcess | null;
  pid: number | null;
  prep: ReadinessPrep | null;
  probes: Cancellable[];
  /** A scripted service's stop-command runs as its own child. */
  stopping: boolean;
  exited: boolean;
  /** Once ready: the health probe (replaced when a reload changes `health`) and the env it runs with. */
  health?: { probe: Cancellable | null; env: Record<string, string> };
}

/**
 * `user:` specs resolved in this run of JS (one reconcile starting 50 services
 * as www-data reads /etc/passwd and /etc/group once, not 50 times); forgotten
 * on the next microtask, so a later start sees the files as they are then.
 */
const users = new Map<string, ResolvedUser>();

function resolveUserOnce(spec: string): ResolvedUser {
  const known = users.get(spec);
  if (known) return known;
  const u = resolveUser(spec); // throws for an unknown user: not remembered
  if (users.size === 0) queueMicrotask(() => users.clear());
  users.set(spec, u);
  return u;
}

/** The pid of a spawned process that has not exited; known as soon as spawn() returns. */
function livePid(run: Running): number | null {
  if (run.exited) return null;
  return run.pid ?? run.child?.pid ?? null;
}

export class ProcessDriver implements ServiceDriver {
  private events: DriverEvents | null = null;
  private readonly running = new Map<string, Running>();
  private gen = 0;
  /**
   * Services spawned with no readiness check, told to the graph together: Node
   * (and os/spawn) emit 'spawn' on process.nextTick, so the services started
   * by one reconcile all report in one run of the tick queue, and a microtask
   * after it hands them over as one batch (one reconcile, not two per service).
   */
  private upBatch: { svc: ServiceConfig; run: Running; env: Record<string, string> }[] = [];

  constructor(private readonly deps: ProcessDriverDeps) {}

  bind(events: DriverEvents): void {
    this.events = events;
  }

  /** Pids of every live service process (for the reaper's own/adopted split and status). */
  pids(): number[] {
    const out: number[] = [];
    for (const r of this.running.values()) if (r.pid !== null) out.push(r.pid);
    return out;
  }

  start(svc: ServiceConfig): void {
    this.cleanup(svc.name);
    const run: Running = { gen: ++this.gen, child: null, pid: null, prep: null, probes: [], stopping: false, exited: false };
    this.running.set(svc.name, run);
    void this.launch(svc, run, svc.command, true);
  }

  stop(svc: ServiceConfig): void {
    const run = this.running.get(svc.name);
    const pid = run ? livePid(run) : null;
    if (pid !== null) {
      // stop-group: false asks the main process alone to stop (it stops its workers itself); kill() still takes the group.
      if (!svc.stopGroup) killPid(pid, svc.stopSignal);
      else if (!killGroup(pid, svc.stopSignal)) killTree(pid, svc.stopSignal);
      return;
    }
    if (svc.type === 'scripted' && svc.stopCommand?.length) {
      const next: Running = { gen: ++this.gen, child: null, pid: null, prep: null, probes: [], stopping: true, exited: false };
      this.running.set(svc.name, next);
      void this.launch(svc, next, svc.stopCommand, false);
      return;
    }
    // Nothing is running (a launch may still be preparing): abandon it, so it
    // never spawns, and tell the graph at once (after this call returns).
    this.cleanup(svc.name);
    this.running.delete(svc.name);
    queueMicrotask(() => {
      if (!this.running.has(svc.name)) this.events?.exited(svc.name, null, null);
    });
  }

  kill(name: string): void {
    const run = this.running.get(name);
    const pid = run ? livePid(run) : null;
    if (pid !== null) killTree(pid, 'SIGKILL');
  }

  signal(name: string, signal: NodeJS.Signals): boolean {
    const run = this.running.get(name);
    const pid = run ? livePid(run) : null;
    // Or the process alone, before it made its group (main with a terminal does that itself, after spawn).
    return pid !== null && (killGroup(pid, signal) || killPid(pid, signal));
  }

  forget(name: string): void {
    this.cleanup(name);
    this.running.delete(name);
  }

  /** A reload changed only in-place keys: a changed `health` replaces the running probe. */
  update(svc: ServiceConfig): void {
    const run = this.running.get(svc.name);
    if (!run?.health || run.exited) return;
    const old = run.health.probe;
    if (old) {
      old.cancel();
      run.probes = run.probes.filter((p) => p !== old);
    }
    run.health.probe = null;
    this.startHealth(svc, run, run.health.env);
  }

  private current(name: string, run: Running): boolean {
    return this.running.get(name) === run;
  }

  private cleanup(name: string): void {
    const run = this.running.get(name);
    if (!run) return;
    for (const p of run.probes) p.cancel();
    run.probes = [];
    run.prep?.close();
    run.prep = null;
  }

  private async launch(svc: ServiceConfig, run: Running, command: string[], isStart: boolean): Promise<void> {
    const name = svc.name;
    const ev = (): DriverEvents | null => (this.current(name, run) ? this.events : null);
    let env: Record<string, string> = {};
    let ids: { uid?: number; gid?: number; groups?: number[] } = {};
    try {
      const identity: Record<string, string> = {};
      if (svc.user) {
        const u = resolveUserOnce(svc.user.spec);
        ids = { uid: u.uid, gid: u.gid };
        // Supplementary groups need the exec-as wrapper (~50 ms of Node start-up): only when there are any.
        if (u.groups.some((g) => g !== u.gid)) ids.groups = u.groups;
        if (u.home) identity.HOME = u.home;
        if (u.name) identity.USER = identity.LOGNAME = u.name;
      }
      env = this.deps.environment(svc, identity);
      if (isStart && svc.type === 'process' && svc.ready) {
        run.prep = await prepareReadiness(svc.ready, name);
        if (!this.current(name, run)) return run.prep.close();
        Object.assign(env, run.prep.env);
      }
    } catch (err) {
      ev()?.startFailed(name, (err as Error).message);
      return;
    }
    let child: ChildProcess;
    try {
      child = spawnService({
        command,
        env,
        ...(svc.workingDir !== undefined ? { cwd: svc.workingDir } : {}),
        ...ids,
        ...(svc.umask !== undefined ? { umask: svc.umask } : {}),
        ...(run.prep ? { extraStdio: run.prep.stdio } : {}),
        ...(svc.main && isStart && this.deps.mainConsole ? { console: this.deps.mainConsole } : {}),
      });
    } catch (err) {
      ev()?.startFailed(name, describeSpawnError(err, command, svc.workingDir), (err as NodeJS.ErrnoException).code, isTransientSpawnError(err));
      return;
    }
    run.child = child;
    let spawned = false;
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (spawned) return; // a later error (e.g. kill on a dead pid) changes nothing
      run.exited = true;
      this.cleanup(name);
      const e = ev();
      if (!e) return;
      const message = describeSpawnError(err, command, svc.workingDir);
      if (run.stopping) e.exited(name, 127, null);
      else e.startFailed(name, message, err.code, isTransientSpawnError(err));
    });
    child.once('spawn', () => {
      spawned = true;
      run.pid = child.pid ?? null;
      void this.deps.output.attach(name, child.stdout, child.stderr);
      const e = ev();
      if (!e || run.pid === null) return;
      if (run.stopping) return;
      if (svc.type === 'process' && (!svc.ready || !run.prep)) {
        this.batchUp(svc, run, env);
        return;
      }
      e.spawned(name, run.pid);
      if (svc.type !== 'process' || !svc.ready || !run.prep) return;
      run.prep.attach(child);
      run.probes.push(
        startReadiness(svc.ready, this.probeContext(svc, env), run.prep, {
          onReady: () => {
            if (!this.current(name, run)) return;
            // "waiting for tcp …" no longer holds; a systemd STATUS= stays (it is the service's own word).
            if (svc.ready?.probe.kind !== 'notify-systemd') this.events?.statusText?.(name, '');
            this.events?.ready(name);
            this.startHealth(svc, run, env);
          },
          onFail: (message) => ev()?.notReady?.(name, message),
          onStatus: (text) => ev()?.statusText?.(name, text),
        }),
      );
    });
    child.once('exit', (code, signal) => {
      const leader = run.pid;
      run.pid = null;
      run.exited = true;
      if (leader !== null && svc.type === 'process') this.sweepSession(svc, leader);
      if (!this.current(name, run)) return;
      this.cleanup(name);
      this.events?.exited(name, code, signal);
    });
  }

  private batchUp(svc: ServiceConfig, run: Running, env: Record<string, string>): void {
    if (this.upBatch.length === 0) queueMicrotask(() => this.flushUp());
    this.upBatch.push({ svc, run, env });
  }

  private flushUp(): void {
    const batch = this.upBatch;
    this.upBatch = [];
    // Still the process the graph asked for (not replaced, stopped or exited meanwhile).
    const up = batch.filter((b) => this.current(b.svc.name, b.run) && b.run.pid !== null);
    const e = this.events;
    if (!e || up.length === 0) return;
    if (e.spawnedReady) {
      e.spawnedReady(up.map((b) => ({ name: b.svc.name, pid: b.run.pid as number })));
    } else {
      for (const b of up) {
        if (!this.current(b.svc.name, b.run) || b.run.pid === null) continue;
        e.spawned(b.svc.name, b.run.pid);
        e.ready(b.svc.name);
      }
    }
    for (const b of up) this.startHealth(b.svc, b.run, b.env);
  }

  /**
   * The leader `sid` has exited: stop what is left in its session like the
   * service itself. Runs synchronously in the exit callback, while a
   * non-empty session still pins its id (the kernel does not reuse it).
   */
  private sweepSession(svc: ServiceConfig, sid: number): void {
    const left = sessionMembers(sid)
      .map((pid) => ({ pid, start: readStat(pid)?.starttime }))
      .filter((m) => m.start !== undefined);
    if (left.length === 0) return;
    for (const m of left) killPid(m.pid, svc.stopSignal);
    // unref: a pending sweep never holds dinit up (at exit, leftovers are stopped anyway).
    setTimeout(() => {
      for (const m of left) if (readStat(m.pid)?.starttime === m.start) killPid(m.pid, 'SIGKILL');
    }, svc.stopTimeout).unref();
  }

  private startHealth(svc: ServiceConfig, run: Running, env: Record<string, string>): void {
    if (!this.current(svc.name, run)) return;
    run.health = { probe: null, env };
    if (!svc.health) return;
    const name = svc.name;
    const probe = startHealth(svc.health, this.probeContext(svc, env), {
      onHealthy: () => this.current(name, run) && this.events?.healthy?.(name),
      onUnhealthy: (message) => this.current(name, run) && this.events?.unhealthy(name, message),
      onStatus: (text) => {
        if (!this.current(name, run)) return;
        // onStatus of a health probe is called once per failed attempt.
        this.healthFailures.set(name, (this.healthFailures.get(name) ?? 0) + 1);
        this.events?.statusText?.(name, text);
      },
    });
    run.health.probe = probe;
    run.probes.push(probe);
  }

  /** Failed health probe attempts per service since dinit started (for dinit_service_health_failures_total). */
  readonly healthFailures = new Map<string, number>();

  private probeContext(svc: ServiceConfig, env: Record<string, string>): ProbeContext {
    return {
      service: svc.name,
      env,
      ...(svc.workingDir !== undefined ? { cwd: svc.workingDir } : {}),
      onLine: (cb) => this.deps.output.onLine(svc.name, cb),
    };
  }
}
