// The shared vocabulary of dinit: the normalised configuration every part reads,
// the states the service graph moves through, and the status shape the control
// socket returns. Config loading produces these; nothing here touches the OS.

/** Milliseconds. Every duration in a normalised config is a number of ms. */
export type Millis = number;

/**
 * - process:  a long-running program; started when its readiness condition holds.
 * - scripted: runs `command` to completion; started = exited 0 (optional stop-command on stop).
 * - internal: no process; a group of dependencies.
 */
export type ServiceType = 'process' | 'scripted' | 'internal';

/** always: restart whatever the exit; on-failure: restart unless it exited 0; never. */
export type RestartPolicy = 'always' | 'on-failure' | 'never';

/** What the container does when a service fails for good. */
type OnFailure = 'continue' | 'shutdown';

/** What happens to processes reparented to dinit (see os/reaper). */
export type OrphanPolicy = 'reap' | 'terminate' | 'adopt';

export type LogFormat = 'text' | 'json';

/** A probe, used both for readiness (`ready:`) and liveness (`health:`). */
export type ProbeSpec =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'http'; url: string }
  | { kind: 'exec'; command: string[] }
  | { kind: 'log'; pattern: string }
  | { kind: 'notify-fd'; fd: number }
  | { kind: 'notify-systemd' };

interface ProbeTiming {
  interval: Millis;
  timeout: Millis;
}

export interface ReadySpec extends ProbeTiming {
  probe: ProbeSpec;
}

export interface HealthSpec extends ProbeTiming {
  probe: ProbeSpec;
  retries: number;
  startPeriod: Millis;
}

export interface RestartLimit {
  /** More than `count` restarts within `interval` → the service is failed. */
  count: number;
  interval: Millis;
}

export interface LogSpec {
  /** Prefix console lines with `name | ` (default true). */
  prefix: boolean;
  /** Also append output to this file (rotated by size). */
  file?: string;
  maxSize: number; // bytes; 0 = no rotation
  keep: number; // rotated files kept
  /** Lines kept in memory for `dinit logs`. */
  buffer: number;
}

/** Where a value came from in dinit.yaml, for located errors and messages. */
export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

interface UserSpec {
  /** As written: "www-data", "1000", "1000:1000". Resolved at spawn time (os/users). */
  spec: string;
}

export interface ServiceConfig {
  name: string;
  type: ServiceType;
  /** argv; empty for internal services. */
  command: string[];
  /** scripted only: run on stop. */
  stopCommand?: string[];
  /** hard dependencies: start after them; rolled back when they stop. */
  dependsOn: string[];
  /** milestone dependencies: must be started before this starts; their later stop does not stop this. */
  dependsMs: string[];
  /** soft dependencies: wait for them to start or fail; never stopped by them. */
  waitsFor: string[];
  /** ordering only: if these are starting, start after them. */
  after: string[];
  /** ordering only: these start after this one (normalised into their `after`). */
  before: string[];
  autoStart: boolean;
  restart: RestartPolicy;
  restartDelay: Millis;
  restartLimit: RestartLimit;
  smoothRecovery: boolean;
  /** Exit codes that count as completed, not failed (restart, restart-limit, main, scripted). Default [0]. */
  successExitCodes: number[];
  /** Signal name, e.g. "SIGTERM" (normalised from TERM / 15). */
  stopSignal: NodeJS.Signals;
  stopTimeout: Millis;
  /** stop-signal to the whole process group (true) or the main process only (false). */
  stopGroup: boolean;
  startTimeout: Millis;
  /** Service-specific environment, already expanded; merged over the global one at spawn. */
  environment: Record<string, string>;
  workingDir?: string;
  user?: UserSpec;
  umask?: number;
  ready?: ReadySpec;
  health?: HealthSpec;
  log: LogSpec;
  /** When it exits, dinit stops everything and exits with its code. */
  main: boolean;
  /** scripted: run on this cron schedule instead of at start. */
  schedule?: string;
  /** process: restart on this cron schedule. */
  restartSchedule?: string;
  /** Time zone of both schedules (else TZ of dinit's environment, else UTC). */
  scheduleTimezone?: string;
  /** An instance of `replicas:`: the name written in dinit.yaml (a verb on it acts on every instance) and its number. */
  replicaOf?: string;
  replica?: number;
  /**
   * Dependency lists with replica instances folded back to their group's name,
   * when that differs from the lists above: a reload compares these, so adding
   * or removing instances does not count as a change of their dependents.
   */
  edgesAsWritten?: string;
  pos?: SourcePos;
}

/** Where the HTTP endpoint listens. */
export interface HttpListen {
  /** '' = every interface. */
  host: string;
  port: number;
}

/** options.http: the supervisor's HTTP endpoint (probes, metrics, status, optional control). */
export interface HttpOptions extends HttpListen {
  /** POST /services/NAME/… allowed (with the token). */
  control: boolean;
  /** Absolute path of the file holding the bearer token. */
  tokenFile?: string;
}

export interface Options {
  /** Off (undefined) unless configured. */
  http?: HttpOptions;
  shutdownTimeout: Millis;
  logFormat: LogFormat;
  timestamps: boolean;
  onFailure: OnFailure;
  orphans: OrphanPolicy;
}

export interface Config {
  /** Absolute path of the file it was loaded from ("<args>" if built only from CLI args). */
  file: string;
  options: Options;
  /** Global environment (expanded, env-file merged), applied to every service under its own. */
  environment: Record<string, string>;
  /** In file order. Names are unique. */
  services: ServiceConfig[];
}

/** Where a service is in its lifecycle (the dinit model). */
export type ServiceState = 'stopped' | 'starting' | 'started' | 'stopping';

/** Why a service stopped or failed — shown in status and in dinit's event lines. */
export type StopReason =
  | { kind: 'requested' } // dinit stop / shutdown / reload removed it
  | { kind: 'completed' } // exited 0 with no restart wanted
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'exec-failed'; message: string }
  | { kind: 'start-timeout'; after: Millis }
  | { kind: 'restart-limit'; count: number; interval: Millis; last: StopReason }
  | { kind: 'dependency'; service: string; failed: boolean }
  | { kind: 'health'; message: string }
  | { kind: 'probe'; message: string };

/** One row of `dinit status --json`. */
export interface ServiceStatus {
  name: string;
  type: ServiceType;
  state: ServiceState;
  /** Whether it should be up (target state). */
  target: 'up' | 'down';
  pid: number | null;
  /** ms since epoch of the last state change. */
  since: number;
  restarts: number;
  ready: boolean;
  failed: boolean;
  exitCode: number | null;
  exitSignal: string | null;
  /** Human-readable reason for the last stop/failure, if any. */
  reason: string | null;
  /** Free text from the service (e.g. systemd STATUS=) or health. */
  statusText: string | null;
  health: 'unknown' | 'healthy' | 'unhealthy' | null;
  /** CPU% over the last sample (100 = one core); null with no process. Only in rows sent over the socket or HTTP. */
  cpuPercent?: number | null;
  /** Resident memory of the service's process group and session; null with no process. */
  rssBytes?: number | null;
  /** CPU seconds used so far by the live processes of the group and session; null with no process. */
  cpuSeconds?: number | null;
  /** Services with `schedule` or `restart-schedule`: the next tick, the last run and the ticks skipped. */
  schedule?: ScheduleStatus;
}

interface ScheduleStatus {
  /** ms since epoch of the next tick (null: never again). */
  next: number | null;
  /** ms since epoch of the last run (schedule: spawned; restart-schedule: restarted), null if none yet. */
  lastRun: number | null;
  /** Exit code of the last completed run (schedule only). */
  lastExit: number | null;
  /** Ticks skipped because the previous run was still going (or the service was not up, for restart-schedule). */
  skipped: number;
}

/** What one service's processes use now. */
export interface ResourceFigures {
  /** CPU time (user + system) used so far by the live processes of the group and session. */
  cpuSeconds: number;
  /** Over the time since the previous sample (lifetime average on the first); 100 = one core. */
  cpuPercent: number;
  /** Resident memory of those processes. */
  rssBytes: number;
  /** How many processes were counted. */
  processes: number;
}

/** The supervisor's own figures, for the `process_*` metrics. */
export interface SelfFigures {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  rssBytes: number;
  heapBytes: number;
  /** Seconds since the epoch. */
  startTimeSeconds: number;
  openFds: number | null;
  maxFds: number | null;
}

/** One line of a service's output (or of dinit's own events), as kept, followed and sent. */
export interface LogLine {
  /** ms since epoch */
  time: number;
  service: string;
  stream: 'stdout' | 'stderr' | 'dinit';
  line: string;
}
