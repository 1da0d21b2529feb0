// The ServiceDriver over the OS port (os/ports.ts ProcessHost, injected): spawn
// in its own session, watch readiness and health, signal the process group,
// report back to the graph. Time comes from the Clock port, so test/runtime/
// drives this class with a fake host and a fake clock, no real processes.
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

import type { Readable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { DriverEvents, ServiceDriver } from '../core/driver.js';
import type { MainConsole, ProcessHost } from '../os/ports.js';
import type { ServiceConfig } from '../types.js';
import { prepareReadiness, startHealth, startReadiness, type ProbeContext } from './probes/index.js';
import { awaitPidFile } from './pid-file.js';
import { runHook } from './service-hooks.js';
import { serviceUser } from './service-user.js';
import { UpBatch } from './up-batch.js';
import { livePid, newRun, type Running } from './running.js';

/** What the driver needs from the log layer. */
export interface ServiceOutput {
  attach(name: string, stdout: Readable | null, stderr: Readable | null): Promise<void>;
  onLine(name: string, cb: (line: string) => void): () => void;
}

export interface ProcessDriverDeps {
  host: ProcessHost;
  clock: Clock;
  output: ServiceOutput;
  /**
   * Environment of a service: dinit's own, then `identity` (HOME, USER, LOGNAME
   * of its `user`), then the global environment, then the service's.
   */
  environment(svc: ServiceConfig, identity: Record<string, string>): Record<string, string>;
  /** What the `main` service gets of dinit's stdio (see os/terminal.ts); absent: like any service. */
  mainConsole?: MainConsole;
  /** One of dinit's own lines about a service (a hook that failed or overran). */
  note?(message: string, about: string): void;
  /** After the graph heard of an exit: the restarts so far and whether it comes back (for on-exit's environment). */
  afterExit?(name: string): { restarts: number; willRestart: boolean };
}

export class ProcessDriver implements ServiceDriver {
  private events: DriverEvents | null = null;
  private readonly running = new Map<string, Running>();
  private gen = 0;
  /** Services spawned with no readiness check, told to the graph together (see up-batch.ts). */
  private readonly upBatch = new UpBatch<{ svc: ServiceConfig; run: Running; env: Record<string, string> }>((batch) => this.flushUp(batch));

  private readonly host: ProcessHost;

  constructor(private readonly deps: ProcessDriverDeps) {
    this.host = deps.host;
  }

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
    const run = newRun(++this.gen, false);
    this.running.set(svc.name, run);
    void this.launch(svc, run, svc.command, true);
  }

  stop(svc: ServiceConfig): void {
    const run = this.running.get(svc.name);
    const pid = run ? livePid(run) : null;
    if (pid !== null && svc.type === 'process' && svc.stopCommand?.length) {
      // stop-command instead of stop-signal; the graph still SIGKILLs the group after stop-timeout.
      const signal = (): void => void (this.host.signalGroup(pid, svc.stopSignal) || this.host.signalTree(pid, svc.stopSignal));
      runHook(this.deps, svc, 'stop-command', svc.stopCommand, {}, signal);
      return;
    }
    if (run && pid !== null) run.stopRequested = true;
    if (pid !== null && run?.daemon) {
      this.signalDaemon(pid, svc.stopSignal);
      return;
    }
    if (pid !== null) {
      // stop-group: false asks the main process alone to stop (it stops its workers itself); kill() still takes the group.
      if (!svc.stopGroup) this.host.signalPid(pid, svc.stopSignal);
      else if (!this.host.signalGroup(pid, svc.stopSignal)) this.host.signalTree(pid, svc.stopSignal);
      return;
    }
    if (svc.type === 'scripted' && svc.stopCommand?.length) {
      const next = newRun(++this.gen, true);
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
    if (pid !== null && !(run?.daemon && this.signalDaemon(pid, 'SIGKILL'))) this.host.signalTree(pid, 'SIGKILL');
  }

  /** A daemon may or may not have made a session of its own: its group if it leads one, else the process. */
  private signalDaemon(pid: number, signal: NodeJS.Signals): boolean {
    return this.host.signalGroup(pid, signal) || this.host.signalPid(pid, signal);
  }

  signal(name: string, signal: NodeJS.Signals): boolean {
    const run = this.running.get(name);
    const pid = run ? livePid(run) : null;
    // Or the process alone, before it made its group (main with a terminal does that itself, after spawn).
    return pid !== null && (this.host.signalGroup(pid, signal) || this.host.signalPid(pid, signal));
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
    let ids: ReturnType<typeof serviceUser>['ids'];
    try {
      const user = serviceUser(this.host, svc);
      ids = user.ids;
      env = this.deps.environment(svc, user.identity);
      if (isStart && svc.type === 'process' && svc.ready) {
        run.prep = await prepareReadiness(svc.ready, name);
        if (!this.current(name, run)) return run.prep.close();
        Object.assign(env, run.prep.env);
      }
    } catch (err) {
      ev()?.startFailed(name, (err as Error).message);
      return;
    }
    const req = {
      command,
      env,
      ...(svc.workingDir !== undefined ? { cwd: svc.workingDir } : {}),
      ...ids,
      ...(svc.umask !== undefined ? { umask: svc.umask } : {}),
      ...(svc.limits ? { limits: svc.limits } : {}),
      ...(svc.nice !== undefined ? { nice: svc.nice } : {}),
      ...(svc.oomScoreAdj !== undefined ? { oomScoreAdj: svc.oomScoreAdj } : {}),
      ...(run.prep ? { extraStdio: run.prep.stdio } : {}),
      ...(svc.main && isStart && this.deps.mainConsole ? { console: this.deps.mainConsole } : {}),
    };
    try {
      run.child = this.host.spawn(req, 'service', {
        failed: (err) => this.onFailed(svc, run, command, err),
        spawned: (pid) => this.onSpawned(svc, run, pid, env),
        exited: (code, signal) => this.onExited(svc, run, code, signal),
      });
    } catch (err) {
      ev()?.startFailed(name, this.host.describeSpawnError(err, command, svc.workingDir), (err as NodeJS.ErrnoException).code, this.host.isTransientSpawnError(err));
    }
  }

  private onFailed(svc: ServiceConfig, run: Running, command: string[], err: NodeJS.ErrnoException): void {
    const name = svc.name;
    run.exited = true;
    if (!this.current(name, run)) return;
    this.cleanup(name);
    const e = this.events;
    if (!e) return;
    if (run.stopping) e.exited(name, 127, null);
    else e.startFailed(name, this.host.describeSpawnError(err, command, svc.workingDir), err.code, this.host.isTransientSpawnError(err));
  }

  private onSpawned(svc: ServiceConfig, run: Running, pid: number, env: Record<string, string>): void {
    const name = svc.name;
    const child = run.child;
    run.pid = pid;
    if (child) void this.deps.output.attach(name, child.stdout, child.stderr);
    const e = this.current(name, run) ? this.events : null;
    if (!e || run.stopping) return;
    if (svc.pidFile !== undefined) {
      e.spawned(name, pid); // waiting for the pid file, once the command has exited
      return;
    }
    if (svc.type === 'process' && (!svc.ready || !run.prep)) {
      this.upBatch.add({ svc, run, env });
      return;
    }
    e.spawned(name, pid);
    if (svc.type !== 'process' || !svc.ready || !run.prep || !child) return;
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
        onFail: (message) => this.current(name, run) && this.events?.notReady?.(name, message),
        onStatus: (text) => this.current(name, run) && this.events?.statusText?.(name, text),
      }),
    );
  }

  private onExited(svc: ServiceConfig, run: Running, code: number | null, signal: NodeJS.Signals | null): void {
    const leader = run.pid;
    run.pid = null;
    run.exited = true;
    // type: forking: the command exited; its daemon lives on in its session (no sweep), named by the pid file.
    if (svc.pidFile !== undefined && !run.daemon && !run.stopping && !run.stopRequested) {
      this.launcherExited(svc, run, code, signal);
      return;
    }
    if (leader !== null && svc.type === 'process') this.sweepSession(svc, leader);
    if (!this.current(svc.name, run)) return;
    this.cleanup(svc.name);
    this.events?.exited(svc.name, code, signal);
    if (svc.onExit?.length && !run.stopping) {
      const after = this.deps.afterExit?.(svc.name) ?? { restarts: 0, willRestart: false };
      runHook(this.deps, svc, 'on-exit', svc.onExit, {
        ...(signal ? { DINIT_EXIT_SIGNAL: signal } : { DINIT_EXIT_CODE: String(code) }),
        DINIT_RESTARTS: String(after.restarts),
        DINIT_WILL_RESTART: after.willRestart ? 'yes' : 'no',
      });
    }
  }

  /** A forking service's command ended: exit 0 means its daemon is running and writes the pid file (see pid-file.ts). */
  private launcherExited(svc: ServiceConfig, run: Running, code: number | null, signal: NodeJS.Signals | null): void {
    const name = svc.name;
    if (!this.current(name, run)) return;
    const pidFile = svc.pidFile as string;
    if (code !== 0) {
      this.cleanup(name);
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      this.events?.startFailed(name, `the command ${how} instead of 0 after starting its daemon (pid-file ${pidFile})`);
      return;
    }
    awaitPidFile({
      host: this.host,
      clock: this.deps.clock,
      pidFile,
      startTimeout: svc.startTimeout,
      wanted: () => this.current(name, run) && !run.stopping,
      failed: (reason) => {
        this.cleanup(name);
        this.events?.startFailed(name, reason);
      },
      found: (pid) => {
        run.daemon = true;
        run.exited = false;
        run.pid = pid;
        this.host.adopt(pid, (c, s) => this.onExited(svc, run, c, s));
        this.events?.spawned(name, pid);
        this.events?.ready(name);
        this.startHealth(svc, run, this.deps.environment(svc, {}));
      },
    });
  }

  private flushUp(batch: { svc: ServiceConfig; run: Running; env: Record<string, string> }[]): void {
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
    const left = this.host.sweepSession(sid, svc.stopSignal);
    if (left.length === 0) return;
    this.deps.clock.setTimer(svc.stopTimeout, () => this.host.killLeftovers(left));
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
      host: this.host,
      clock: this.deps.clock,
      ...(svc.workingDir !== undefined ? { cwd: svc.workingDir } : {}),
      onLine: (cb) => this.deps.output.onLine(svc.name, cb),
    };
  }
}
