// The supervisor: one ServiceSet driven through the OS port, with the control
// server as another listener on it. It implements ControlTarget, turns graph
// events into `[dinit]` lines, and settles client waits (start/stop/wait)
// by re-checking them after every event.
//
// Signals and process exit are not handled here, and the OS and time come in
// as ports (host, clock): run.ts wires the real ones, test/runtime/ fakes.

import type { Clock } from '../core/clock.js';
import type { ServiceEvent } from '../core/listener.js';
import { ServiceSet } from '../core/service-set.js';
import { DinitError } from '../errors.js';
import type { MainConsole, ProcessHost } from '../os/ports.js';
import type { ControlTarget, Counters, EventRecord, HealthResult, LogLine, OpResult, OrphanInfo, ReloadResult, ScaleResult } from '../control/target.js';
import type { Config, ResourceFigures, ServiceConfig, ServiceStatus } from '../types.js';
import { inPlaceFields } from '../config/keys.js';
import { formatDuration } from '../units.js';
import { eventLine } from './event-lines.js';
import { DINIT_SOURCE, eventRecords } from './event-records.js';
import { ProcessDriver, type ServiceOutput } from './process-driver.js';
import { Scheduler, type ScheduleKind } from './scheduler.js';

export interface SupervisorLog extends ServiceOutput {
  /** An event line; `about` a service, it is kept in that service's buffer too (`dinit logs web`). */
  dinit(message: string, about?: string): void;
  tail(names: string[], n: number): LogLine[];
  follow(names: string[], cb: (l: LogLine) => void): () => void;
  /** Keep prefixes and buffers in step with the configured services. */
  configure(config: Config): void;
  /** Console lines dropped so far, per service (and "dinit"). */
  dropped?(): Record<string, number>;
}

export interface SupervisorDeps {
  config: Config;
  log: SupervisorLog;
  /** Re-read the config for reload (throws ConfigError when invalid); `replicas` overrides counts for `dinit scale`. */
  loadConfig: (overrides?: { replicas?: Readonly<Record<string, number>> }) => Config;
  /** dinit's own environment, under every service's. */
  env: NodeJS.ProcessEnv;
  /** The OS port: spawning, signals, sessions, users. */
  host: ProcessHost;
  clock: Clock;
  /** What `main` gets of dinit's stdio (run.ts asks the terminal). */
  mainConsole?: MainConsole;
}

type Waiter = () => boolean;

export class Supervisor implements ControlTarget {
  readonly set: ServiceSet;
  readonly driver: ProcessDriver;
  private cfg: Config;
  private readonly log: SupervisorLog;
  private readonly clock: Clock;
  private readonly waiters = new Set<Waiter>();
  private finish!: (code: number) => void;
  /** Resolves with dinit's exit code once every service has stopped after a shutdown. */
  readonly finished: Promise<number>;
  private shutdownTimer: ReturnType<Clock['setTimer']> | null = null;
  private checkQueued = false;
  private orphanSource: () => OrphanInfo[] = () => [];
  /** `dinit events` followers: the services each wants (empty: all, and dinit's own records). */
  private readonly eventFollowers = new Map<(r: EventRecord) => void, ReadonlySet<string>>();
  /** schedule: and restart-schedule: ticks (through the same Clock as the graph). */
  private readonly scheduler: Scheduler;

  constructor(private readonly deps: SupervisorDeps) {
    this.cfg = deps.config;
    this.log = deps.log;
    this.clock = deps.clock;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.driver = new ProcessDriver({
      host: deps.host,
      clock: this.clock,
      output: this.log,
      environment: (svc, identity) => this.environment(svc, identity),
      ...(deps.mainConsole ? { mainConsole: deps.mainConsole } : {}),
    });
    this.set = new ServiceSet(this.cfg, {
      clock: this.clock,
      driver: this.driver,
      listener: (ev) => this.onEvent(ev),
      onInternalError: (err) => this.log.dinit(`internal error (please report): ${(err as Error).stack ?? String(err)}`),
      inPlace: inPlaceFields(),
    });
    this.driver.bind(this.set);
    this.log.configure(this.cfg);
    this.scheduler = new Scheduler(this.clock, { fire: (n, k) => this.onTick(n, k), ...(deps.env.TZ ? { timezone: deps.env.TZ } : {}) });
    this.scheduler.configure(this.cfg.services);
  }

  /** Where `orphans()` reads from (the reaper, wired in run.ts). */
  setOrphanSource(source: () => OrphanInfo[]): void {
    this.orphanSource = source;
  }

  orphans(): OrphanInfo[] {
    return this.orphanSource();
  }

  /** Start every auto-start service. */
  boot(): void {
    this.set.boot();
  }

  /** Services still running when the shutdown had to kill (for dinit's last line), and why it did. */
  private killed: { names: string[]; why: string } | null = null;

  killedAtShutdown(): string[] {
    return this.killed?.names ?? [];
  }

  killReason(): string {
    return this.killed?.why ?? '';
  }

  private killRest(why: string): void {
    const names = this.set
      .status()
      .filter((s) => s.state !== 'stopped')
      .map((s) => s.name);
    if (!this.killed && names.length) this.killed = { names, why };
    this.set.killAll();
  }

  /** Orderly shutdown, capped by options.shutdown-timeout; a second call kills at once. */
  beginShutdown(why: string): void {
    if (this.set.isShuttingDown()) {
      this.log.dinit(`${why} again: killing every service now`);
      this.killRest(`${why} again`);
      return;
    }
    this.set.shutdown(why);
  }

  private armShutdownTimer(): void {
    if (this.shutdownTimer) return;
    const limit = this.cfg.options.shutdownTimeout;
    this.shutdownTimer = this.clock.setTimer(limit, () => {
      if (this.set.allStopped()) return;
      this.log.dinit(`shutdown-timeout ${formatDuration(limit)} reached: killing what is left`);
      this.killRest(`shutdown-timeout ${formatDuration(limit)} reached`);
    });
  }

  /** dinit's own environment as a plain object, read once: process.env is slow to walk (every key is a native call). */
  private ownEnv: Record<string, string> | null = null;
  /** dinit's environment under the config's global one, for services with no `user` (per config). */
  private baseEnv: { cfg: Config; env: Record<string, string> } | null = null;

  private environment(svc: ServiceConfig, identity: Record<string, string>): Record<string, string> {
    if (!this.ownEnv) {
      this.ownEnv = {};
      for (const [k, v] of Object.entries(this.deps.env)) if (v !== undefined) this.ownEnv[k] = v;
    }
    if (Object.keys(identity).length > 0) {
      return { ...this.ownEnv, ...identity, ...this.cfg.environment, ...svc.environment, DINIT_SERVICE: svc.name };
    }
    if (this.baseEnv?.cfg !== this.cfg) this.baseEnv = { cfg: this.cfg, env: Object.assign({}, this.ownEnv, this.cfg.environment) };
    return Object.assign({}, this.baseEnv.env, svc.environment, { DINIT_SERVICE: svc.name });
  }

  private onEvent(ev: ServiceEvent): void {
    const line = eventLine(ev);
    if (line) this.log.dinit(line, 'name' in ev ? ev.name : undefined);
    if (this.eventFollowers.size > 0) {
      this.publish(eventRecords(ev, this.clock.now(), (n) => this.set.get(n)?.cfg.ready !== undefined));
    }
    if (ev.type === 'shutdown') {
      this.scheduler.stop();
      this.armShutdownTimer();
    }
    if (ev.type === 'spawned' && this.set.get(ev.name)?.cfg.schedule !== undefined) this.scheduler.ran(ev.name);
    if (ev.type === 'all-stopped') {
      if (this.shutdownTimer) this.clock.clearTimer(this.shutdownTimer);
      this.finish(this.set.exitCode());
    }
    if (!this.checkQueued) {
      this.checkQueued = true;
      queueMicrotask(() => {
        this.checkQueued = false;
        for (const w of [...this.waiters]) if (w()) this.waiters.delete(w);
      });
    }
  }

  /** Resolve when `settled` returns a result (checked now and after every event), or at the timeout. */
  private until(settled: () => OpResult | null, timeoutMs: number | null, onTimeout: () => OpResult): Promise<OpResult> {
    return new Promise((resolve) => {
      let timer: ReturnType<Clock['setTimer']> | null = null;
      const check: Waiter = () => {
        const r = settled();
        if (!r) return false;
        if (timer) this.clock.clearTimer(timer);
        resolve(r);
        return true;
      };
      if (check()) return;
      this.waiters.add(check);
      if (timeoutMs !== null) {
        timer = this.clock.setTimer(timeoutMs, () => {
          this.waiters.delete(check);
          resolve(onTimeout());
        });
      }
    });
  }

  /** Started (ready) → ok; failed or held down → failure with the reason; else still pending. */
  private upResult(names: string[]): OpResult | null {
    const failures: OpResult['failures'] = [];
    for (const s of this.set.status(names.filter((n) => this.set.has(n)))) {
      if (s.ready) continue;
      if (s.failed || (s.state === 'stopped' && s.target === 'down')) {
        failures.push({ service: s.name, reason: s.reason ?? 'stopped' });
      } else return null;
    }
    for (const n of names) if (!this.set.has(n)) failures.push({ service: n, reason: 'removed' });
    return { ok: failures.length === 0, failures };
  }

  /**
   * Stopped → ok. A `start` that lifted the stop before the service got down
   * (it needed it) settles the wait too, as a failure: it will not stop now.
   */
  private downResult(names: string[]): OpResult | null {
    const failures: OpResult['failures'] = [];
    for (const s of this.set.status(names.filter((n) => this.set.has(n)))) {
      if (s.state === 'stopped') continue;
      if (s.target !== 'up') return null;
      failures.push({ service: s.name, reason: 'started again (needed by another request) before it stopped' });
    }
    return { ok: failures.length === 0, failures };
  }

  private publish(records: EventRecord[]): void {
    for (const r of records) {
      for (const [cb, names] of this.eventFollowers) if (names.size === 0 || names.has(r.service)) cb(r);
    }
  }

  /** A replica group's name (as written in dinit.yaml) stands for every instance; other names are left as they are. */
  private expand(names: string[]): string[] {
    if (!this.cfg.services.some((c) => c.replicaOf !== undefined)) return names;
    return [
      ...new Set(
        names.flatMap((n) => {
          if (this.set.has(n)) return [n];
          const instances = this.set.names().filter((i) => this.set.get(i)?.cfg.replicaOf === n && this.set.get(i)?.next !== 'remove');
          return instances.length ? instances : [n];
        }),
      ),
    ];
  }

  /** A schedule's tick: run the job (unless a run is still going), or restart the service (if it is up). */
  private onTick(name: string, kind: ScheduleKind): 'ran' | 'skipped' {
    const s = this.set.get(name);
    if (!s || this.set.isShuttingDown()) return 'skipped';
    if (kind === 'restart') {
      if (s.state !== 'started') return 'skipped';
      this.log.dinit(`${name}: restart-schedule ${s.cfg.restartSchedule ?? ''}: restarting`);
      this.set.restart([name]);
      return 'ran';
    }
    if (s.state === 'starting' || s.state === 'stopping') {
      this.log.dinit(`${name}: schedule ${s.cfg.schedule ?? ''}: the last run is still going, this tick is skipped`);
      return 'skipped';
    }
    this.runNow([name]);
    return 'ran';
  }

  /** Scheduled jobs that completed are `started`: running them again is a restart. */
  private runNow(names: string[]): void {
    const again = names.filter((n) => this.set.get(n)?.cfg.schedule !== undefined && this.set.get(n)?.state === 'started');
    if (again.length) this.set.restart(again);
    const rest = names.filter((n) => !again.includes(n));
    if (rest.length) this.set.start(rest);
  }

  // ---- ControlTarget -----------------------------------------------------

  followEvents(names: string[], onEvent: (ev: EventRecord) => void): () => void {
    names = this.expand(names);
    if (names.length) this.set.status(names); // throws UNKNOWN_SERVICE
    // A wrapper per call: the same callback may follow twice.
    const cb = (r: EventRecord): void => onEvent(r);
    this.eventFollowers.set(cb, new Set(names));
    return () => this.eventFollowers.delete(cb);
  }

  status(names: string[]): ServiceStatus[] {
    names = this.expand(names);
    const rows = this.set.status(names);
    for (const row of rows) {
      const info = this.scheduler.info(row.name);
      if (!info) continue;
      row.schedule = { next: info.next, lastRun: info.lastRun, lastExit: info.kind === 'run' && info.lastRun !== null ? row.exitCode : null, skipped: info.skipped };
      if (row.statusText === null && info.next !== null) {
        const skipped = info.skipped ? `; ${info.skipped} tick${info.skipped === 1 ? '' : 's'} skipped` : '';
        row.statusText = `next ${info.kind === 'run' ? 'run' : 'restart'} ${new Date(info.next).toISOString()}${skipped}`;
      }
    }
    return rows;
  }

  async start(names: string[], wait: boolean): Promise<OpResult> {
    names = this.expand(names);
    this.set.status(names); // throws UNKNOWN_SERVICE before anything runs
    this.runNow(names); // a scheduled job runs now, even if its last run completed
    if (!wait) return { ok: true, failures: [] };
    const pending = (): boolean => names.some((n) => this.set.get(n)?.next === 'restart');
    return this.until(
      () => (pending() ? null : this.upResult(names)),
      null,
      () => ({ ok: false, failures: [] }),
    );
  }

  async stop(names: string[], wait: boolean): Promise<OpResult> {
    names = this.expand(names);
    this.set.stop(names);
    if (!wait) return { ok: true, failures: [] };
    return this.until(
      () => this.downResult(names),
      null,
      () => ({ ok: false, failures: [] }),
    );
  }

  /** Up again → ok; a stop issued meanwhile cancels the restart and settles it as a failure. */
  async restart(names: string[], wait: boolean): Promise<OpResult> {
    names = this.expand(names);
    this.set.restart(names);
    if (!wait) return { ok: true, failures: [] };
    const pending = (): boolean => names.some((n) => this.set.get(n)?.next === 'restart');
    return this.until(
      () => (pending() ? null : this.upResult(names)),
      null,
      () => ({ ok: false, failures: [] }),
    );
  }

  signal(name: string, signal: NodeJS.Signals): void {
    const names = this.expand([name]);
    const sent = names.map((n) => this.set.signal(n, signal)).filter(Boolean).length;
    if (sent === 0) {
      throw new DinitError('OPERATION_FAILED', `${name} has no running process to signal`, { service: name });
    }
  }

  logs(names: string[], n: number): LogLine[] {
    names = this.expand(names);
    if (names.length) this.set.status(names); // throws UNKNOWN_SERVICE
    return this.log.tail(names, n);
  }

  followLogs(names: string[], onLine: (line: LogLine) => void): () => void {
    names = this.expand(names);
    if (names.length) this.set.status(names);
    return this.log.follow(names, onLine);
  }

  async reload(): Promise<ReloadResult> {
    const next = this.deps.loadConfig(); // throws ConfigError: nothing changes
    const diff = this.set.applyConfig(next);
    if (JSON.stringify(next.options.http) !== JSON.stringify(this.cfg.options.http)) {
      this.log.dinit('warning: options.http changed: the HTTP endpoint keeps its old settings until dinit restarts');
    }
    this.cfg = next;
    this.log.configure(next);
    this.scheduler.configure(next.services);
    const parts = [
      diff.added.length ? `added ${diff.added.join(', ')}` : '',
      diff.removed.length ? `removed ${diff.removed.join(', ')}` : '',
      diff.changed.length ? `restarted ${diff.changed.join(', ')}` : '',
      diff.updated.length ? `updated in place ${diff.updated.join(', ')}` : '',
    ].filter(Boolean);
    this.log.dinit(`reloaded ${next.file}: ${parts.length ? parts.join('; ') : 'no changes'}`);
    if (this.eventFollowers.size > 0) {
      const now = this.clock.now();
      const rec = (service: string, reason: string): EventRecord => ({ time: now, service, event: 'reloaded', pid: null, reason });
      this.publish([
        rec(DINIT_SOURCE, `${next.file}: ${parts.length ? parts.join('; ') : 'no changes'}`),
        ...diff.added.map((n) => rec(n, 'added')),
        ...diff.removed.map((n) => rec(n, 'removed')),
        ...diff.changed.map((n) => rec(n, 'changed')),
      ]);
    }
    return diff;
  }

  /**
   * `dinit scale NAME N`: the group's instances from the file read with N
   * replicas (instances that stay keep running untouched), applied like a
   * reload that changes only `replicas`. Nothing is written back: the next
   * reload goes back to the file's count.
   */
  async scale(name: string, count: number): Promise<ScaleResult> {
    const current = this.cfg.services.filter((c) => c.replicaOf === name);
    if (current.length === 0) {
      if (this.set.has(name)) throw new DinitError('OPERATION_FAILED', `${name} has no replicas: give it replicas: in dinit.yaml to scale it`, { service: name });
      throw new DinitError('UNKNOWN_SERVICE', `unknown service: ${name}`, { services: [name] });
    }
    const fresh = this.deps.loadConfig({ replicas: { [name]: count } }).services.filter((c) => c.replicaOf === name); // throws ConfigError
    if (fresh.length === 0) throw new DinitError('OPERATION_FAILED', `${name} no longer has replicas in ${this.cfg.file}: run dinit reload`, { service: name });
    const old = new Set(current.map((c) => c.name));
    const kept = new Map(current.map((c) => [c.name, c]));
    const instances = fresh.map((c) => kept.get(c.name) ?? c);
    const swap = (list: string[]): string[] => {
      const at = list.findIndex((n) => old.has(n));
      return at < 0 ? list : [...list.slice(0, at).filter((n) => !old.has(n)), ...instances.map((c) => c.name), ...list.slice(at).filter((n) => !old.has(n))];
    };
    const services: ServiceConfig[] = [];
    for (const c of this.cfg.services) {
      if (old.has(c.name)) {
        if (c === current[0]) services.push(...instances);
        continue;
      }
      services.push({ ...c, dependsOn: swap(c.dependsOn), dependsMs: swap(c.dependsMs), waitsFor: swap(c.waitsFor), after: swap(c.after), before: swap(c.before) });
    }
    const next: Config = { ...this.cfg, services };
    const diff = this.set.applyConfig(next);
    this.cfg = next;
    this.log.configure(next);
    this.scheduler.configure(next.services);
    this.log.dinit(`scaled ${name} from ${current.length} to ${instances.length} (until the next reload, which goes back to dinit.yaml's replicas)`);
    const up = await this.until(
      () => this.upResult(diff.added),
      null,
      () => ({ ok: false, failures: [] }),
    );
    await this.until(
      () => this.downResult(diff.removed),
      null,
      () => ({ ok: false, failures: [] }),
    );
    return { name, from: current.length, to: instances.length, added: diff.added, removed: diff.removed, failures: up.failures };
  }

  async shutdown(): Promise<void> {
    this.beginShutdown('dinit shutdown');
  }

  health(probe: 'live' | 'ready' = 'ready'): HealthResult {
    return this.set.health(probe);
  }

  config(): Config {
    return this.cfg;
  }

  resources(names: string[]): Record<string, ResourceFigures> {
    names = this.expand(names);
    const wanted = this.set.status(names).filter((s) => s.pid !== null);
    // Always every service: one sample serves any selection, and CPU% history stays whole.
    const all = names.length ? this.set.status([]).filter((s) => s.pid !== null) : wanted;
    const figures = this.deps.host.sampleResources(all.map((s) => s.pid as number));
    const out: Record<string, ResourceFigures> = {};
    for (const s of wanted) {
      const f = figures.get(s.pid as number);
      if (f) out[s.name] = f;
    }
    return out;
  }

  counters(): Counters {
    return {
      healthFailures: Object.fromEntries(this.driver.healthFailures),
      droppedLines: this.log.dropped?.() ?? {},
      self: this.deps.host.selfFigures(),
    };
  }

  async wait(names: string[], timeoutMs: number): Promise<OpResult> {
    names = this.expand(names);
    this.set.status(names); // throws UNKNOWN_SERVICE
    return this.until(
      () => this.upResult(names),
      timeoutMs,
      () => ({
        ok: false,
        failures: this.set
          .status(names)
          .filter((s) => !s.ready)
          .map((s) => ({ service: s.name, reason: `not started within ${formatDuration(timeoutMs)} (${s.state})` })),
      }),
    );
  }
}
