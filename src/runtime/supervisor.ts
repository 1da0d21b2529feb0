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
import type { Config, ResourceFigures, ServiceStatus } from '../types.js';
import { inPlaceFields } from '../config/keys.js';
import { formatDuration } from '../units.js';
import { eventLine } from './event-lines.js';
import { DINIT_SOURCE, eventRecords } from './event-records.js';
import { ProcessDriver, type ServiceOutput } from './process-driver.js';
import { Scheduler } from './scheduler.js';
import { MemoryWatch, type Watched } from './memory-watch.js';
import { OpWaits, downResult, upResult } from './op-waits.js';
import { expandReplicas, scaledConfig } from './replicas.js';
import { ServiceEnvironment } from './service-env.js';
import { EventFollowers } from './event-followers.js';
import { addSchedules, runNow, scheduleTick } from './schedule-ticks.js';
import { ShutdownKill } from './shutdown-kill.js';

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

export class Supervisor implements ControlTarget {
  readonly set: ServiceSet;
  readonly driver: ProcessDriver;
  private cfg: Config;
  private readonly log: SupervisorLog;
  private readonly clock: Clock;
  private readonly waits: OpWaits;
  private finish!: (code: number) => void;
  /** Resolves with dinit's exit code once every service has stopped after a shutdown. */
  readonly finished: Promise<number>;
  private readonly kill: ShutdownKill;
  private orphanSource: () => OrphanInfo[] = () => [];
  /** `dinit events` followers. */
  private readonly followers = new EventFollowers();
  private readonly env: ServiceEnvironment;
  /** schedule: and restart-schedule: ticks (through the same Clock as the graph). */
  private readonly scheduler: Scheduler;
  /** max-memory checks (through the same Clock). */
  private readonly memoryWatch: MemoryWatch;

  constructor(private readonly deps: SupervisorDeps) {
    this.cfg = deps.config;
    this.log = deps.log;
    this.clock = deps.clock;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.waits = new OpWaits(this.clock);
    this.env = new ServiceEnvironment(deps.env);
    this.driver = new ProcessDriver({
      host: deps.host,
      clock: this.clock,
      output: this.log,
      environment: (svc, identity) => this.env.of(this.cfg, svc, identity),
      ...(deps.mainConsole ? { mainConsole: deps.mainConsole } : {}),
      note: (message, about) => this.log.dinit(message, about),
      afterExit: (name) => {
        const s = this.set.get(name);
        const willRestart = !!s && (s.phase.kind === 'restart-delay' || s.phase.kind === 'smooth-delay' || s.next === 'restart');
        return { restarts: s?.restarts ?? 0, willRestart };
      },
    });
    this.set = new ServiceSet(this.cfg, {
      clock: this.clock,
      driver: this.driver,
      listener: (ev) => this.onEvent(ev),
      onInternalError: (err) => this.log.dinit(`internal error (please report): ${(err as Error).stack ?? String(err)}`),
      inPlace: inPlaceFields(),
    });
    this.driver.bind(this.set);
    this.kill = new ShutdownKill(this.clock, this.set, (m) => this.log.dinit(m));
    this.log.configure(this.cfg);
    this.scheduler = new Scheduler(this.clock, { fire: (n, k) => scheduleTick(this.set, (m) => this.log.dinit(m), n, k), ...(deps.env.TZ ? { timezone: deps.env.TZ } : {}) });
    this.scheduler.configure(this.cfg.services);
    this.memoryWatch = new MemoryWatch(this.clock, {
      watched: () => {
        const out: Watched[] = [];
        for (const svc of this.cfg.services) {
          const pid = svc.maxMemory ? this.set.get(svc.name)?.pid : null;
          if (svc.maxMemory && pid) out.push({ name: svc.name, pid, ...svc.maxMemory });
        }
        return out;
      },
      // Every live service, as resources() does: one sample serves all, CPU% history stays whole.
      sample: () => this.deps.host.sampleResources(this.set.status([]).flatMap((s) => (s.pid === null ? [] : [s.pid]))),
      over: (name, rss, limit) => this.set.overMemory(name, rss, limit),
    });
    this.memoryWatch.configure(this.cfg.services);
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
  killedAtShutdown(): string[] {
    return this.kill.names;
  }

  killReason(): string {
    return this.kill.reason;
  }

  /** Orderly shutdown, capped by options.shutdown-timeout; a second call kills at once. */
  beginShutdown(why: string): void {
    if (this.set.isShuttingDown()) {
      this.log.dinit(`${why} again: killing every service now`);
      this.kill.killRest(`${why} again`);
      return;
    }
    this.set.shutdown(why);
  }

  private onEvent(ev: ServiceEvent): void {
    const line = eventLine(ev);
    if (line) this.log.dinit(line, 'name' in ev ? ev.name : undefined);
    if (this.followers.active) {
      this.followers.publish(eventRecords(ev, this.clock.now(), (n) => this.set.get(n)?.cfg.ready !== undefined));
    }
    if (ev.type === 'shutdown') {
      this.scheduler.stop();
      this.memoryWatch.stop();
      this.kill.arm(this.cfg.options.shutdownTimeout);
    }
    if (ev.type === 'spawned' && this.set.get(ev.name)?.cfg.schedule !== undefined) this.scheduler.ran(ev.name);
    if (ev.type === 'all-stopped') {
      this.kill.clear();
      this.finish(this.set.exitCode());
    }
    this.waits.queueCheck();
  }

  /** A replica group's name (as written in dinit.yaml) stands for every instance; other names are left as they are. */
  private expand(names: string[]): string[] {
    return expandReplicas(this.cfg, this.set, names);
  }

  /** A new config is in force (the set has applied it): logs, schedules and memory watch follow. */
  private adopt(next: Config): void {
    this.cfg = next;
    this.log.configure(next);
    this.scheduler.configure(next.services);
    this.memoryWatch.configure(next.services);
  }

  // ---- ControlTarget -----------------------------------------------------

  followEvents(names: string[], onEvent: (ev: EventRecord) => void): () => void {
    names = this.expand(names);
    if (names.length) this.set.status(names); // throws UNKNOWN_SERVICE
    return this.followers.add(names, onEvent);
  }

  status(names: string[]): ServiceStatus[] {
    names = this.expand(names);
    return addSchedules(this.set.status(names), this.scheduler);
  }

  async start(names: string[], wait: boolean): Promise<OpResult> {
    names = this.expand(names);
    this.set.status(names); // throws UNKNOWN_SERVICE before anything runs
    runNow(this.set, names); // a scheduled job runs now, even if its last run completed
    if (!wait) return { ok: true, failures: [] };
    return this.up(names);
  }

  async stop(names: string[], wait: boolean): Promise<OpResult> {
    names = this.expand(names);
    this.set.stop(names);
    if (!wait) return { ok: true, failures: [] };
    return this.waits.until(
      () => downResult(this.set, names),
      null,
      () => ({ ok: false, failures: [] }),
    );
  }

  /** Started (ready) once no restart is pending for them → ok; failed or held down → a failure. */
  private up(names: string[]): Promise<OpResult> {
    const pending = (): boolean => names.some((n) => this.set.get(n)?.next === 'restart');
    return this.waits.until(
      () => (pending() ? null : upResult(this.set, names)),
      null,
      () => ({ ok: false, failures: [] }),
    );
  }

  /** Up again → ok; a stop issued meanwhile cancels the restart and settles it as a failure. */
  async restart(names: string[], wait: boolean): Promise<OpResult> {
    names = this.expand(names);
    this.set.restart(names);
    if (!wait) return { ok: true, failures: [] };
    return this.up(names);
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
    this.adopt(next);
    const parts = [
      diff.added.length ? `added ${diff.added.join(', ')}` : '',
      diff.removed.length ? `removed ${diff.removed.join(', ')}` : '',
      diff.changed.length ? `restarted ${diff.changed.join(', ')}` : '',
      diff.updated.length ? `updated in place ${diff.updated.join(', ')}` : '',
    ].filter(Boolean);
    this.log.dinit(`reloaded ${next.file}: ${parts.length ? parts.join('; ') : 'no changes'}`);
    if (this.followers.active) {
      const now = this.clock.now();
      const rec = (service: string, reason: string): EventRecord => ({ time: now, service, event: 'reloaded', pid: null, reason });
      this.followers.publish([
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
    const { next, instances } = scaledConfig(this.cfg, current, fresh);
    const diff = this.set.applyConfig(next);
    this.adopt(next);
    this.log.dinit(`scaled ${name} from ${current.length} to ${instances.length} (until the next reload, which goes back to dinit.yaml's replicas)`);
    const up = await this.waits.until(
      () => upResult(this.set, diff.added),
      null,
      () => ({ ok: false, failures: [] }),
    );
    await this.waits.until(
      () => downResult(this.set, diff.removed),
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
    return this.waits.until(
      () => upResult(this.set, names),
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
