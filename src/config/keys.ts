// The one source of truth for the dinit.yaml format: every key with its kind,
// allowed values, default and description. The validator (check.ts) walks this
// table over the YAML tree, the normaliser (build.ts) takes defaults from it,
// and the JSON Schema (schema.ts) is generated from it — so editors, `dinit
// check` and the running supervisor can never disagree about what a key means.
// Defaults are written the way a user would write them ('9s', '10MB') and go
// through the same parsers as user input.

export type ScalarKind =
  | 'string' // any string (numbers are accepted and stringified)
  | 'path' // a path; relative ones are resolved against the config file's directory
  | 'bool'
  | 'duration' // 500ms, 10s, 2m, 1h or a number of seconds
  | 'size' // 10MB, 512KB, 1GiB or a number of bytes
  | 'signal' // SIGTERM, TERM or 15
  | 'command' // a list of words, or a string split like a shell would (no shell runs)
  | 'names' // a service name or a list of them
  | 'paths' // a path or a list of them
  | 'env' // a map NAME: value
  | 'user' // name, uid, uid:gid or name:group
  | 'umask' // octal
  | 'regex'
  | 'tcp' // port or host:port
  | 'url' // http(s) URL
  | 'notify' // fd | systemd | <fd number>
  | 'listen' // host:port, :port (every interface) or a port
  | 'exit-codes' // an exit code 0-255 or a list of them
  | 'cron' // 5-field cron (6 with seconds first) or @hourly-style
  | 'timezone'; // an IANA time zone like Europe/Berlin

interface Base {
  description: string;
  /** As a user would write it; converted by the same parser as input. */
  default?: string | number | boolean;
  /**
   * Service keys only: a reload that changes only keys marked so updates the
   * running service in place (they are read at stop, exit, restart or probe
   * time, not when the process is started); any other changed key restarts it
   * (and its hard dependents).
   */
  reload?: 'in-place';
}

export type ScalarSpec = Base & { kind: ScalarKind };
export type IntSpec = Base & { kind: 'int'; min: number; max?: number };
export type EnumSpec = Base & {
  kind: 'enum';
  values: readonly string[];
  /** YAML true/false accepted and mapped to these values (restart: true = always). */
  booleans?: { true: string; false: string };
};
export type ObjectSpec = Base & {
  kind: 'object';
  keys: Record<string, Spec>;
  required?: readonly string[];
  /** Exactly one of these keys must be present (probe kinds). */
  exactlyOne?: readonly string[];
  /** Keys starting with `x-` are allowed and ignored (compose-style anchors). */
  extensions?: boolean;
  /** A scalar written in place of the map stands for this key alone (`http: ":9180"` = `http: { listen: ":9180" }`). */
  shorthand?: string;
};
export type ServicesSpec = Base & { kind: 'services'; service: ObjectSpec };
export type Spec = ScalarSpec | IntSpec | EnumSpec | ObjectSpec | ServicesSpec;

/** What a kind looks like, for messages ("expected …") and schema descriptions. */
export const EXPECT: Record<ScalarKind | 'int' | 'enum' | 'object' | 'services', string> = {
  string: 'a string',
  path: 'a path',
  bool: 'true or false',
  duration: 'a duration like 500ms, 10s, 2m, 1h or a number of seconds',
  size: 'a size like 10MB, 512KB, 1GiB or a number of bytes',
  signal: 'a signal like SIGTERM, TERM or 15',
  command: 'a command: a list of words, or a string split into words like a shell would',
  names: 'a service name or a list of service names',
  paths: 'a path or a list of paths',
  env: 'a map of NAME: value',
  user: 'a user name, uid, uid:gid or name:group',
  umask: 'an octal umask like "022"',
  regex: 'a regular expression',
  tcp: 'a port number or "host:port"',
  url: 'an http:// or https:// URL',
  notify: 'fd, systemd or a file descriptor number (3 or more)',
  listen: 'an address like "127.0.0.1:9180", ":9180" (every interface) or "[::1]:9180"',
  'exit-codes': 'an exit code from 0 to 255, or a list of them',
  cron: 'a cron schedule like "*/5 * * * *" (minute hour day month weekday; a first field of seconds is allowed) or @hourly, @daily, @weekly, @monthly, @yearly',
  timezone: 'an IANA time zone like "Europe/Berlin" or "UTC"',
  int: 'a whole number',
  enum: 'one of the listed values',
  object: 'a map of keys',
  services: 'a map of service names to their definitions',
};

const envSpec = (where: string): ScalarSpec => ({
  kind: 'env',
  description: `Environment variables ${where}. Values may use \${VAR} and \${VAR:-default} (expanded from dinit's environment); a key with no value takes the variable from dinit's environment.`,
});
const envFileSpec = (where: string): ScalarSpec => ({
  kind: 'paths',
  description: `File(s) of KEY=VALUE lines (\`#\` comments, optional quotes, \`export \` prefix) loaded ${where}, relative to the config file's directory. \`environment\` wins over them.`,
});
const deps = (what: string): ScalarSpec => ({ kind: 'names', description: what });

function probe(health: boolean): ObjectSpec {
  const kinds: Record<string, Spec> = {
    tcp: { kind: 'tcp', description: 'Succeeds when a TCP connection to this port (on 127.0.0.1) or "host:port" opens.' },
    http: { kind: 'url', description: 'Succeeds when a GET of this URL answers 2xx.' },
    exec: { kind: 'command', description: 'Succeeds when this command exits 0 (no shell runs; use [sh, -c, "…"] for one).' },
  };
  // log and notify are one-off signals from the service: readiness only, never a health probe.
  if (!health) {
    kinds['log'] = { kind: 'regex', description: "Succeeds when a line of the service's output matches this regular expression." };
    kinds['notify'] = {
      kind: 'notify',
      description: 'The service says it is ready itself: `fd` (write a newline to the fd in $DINIT_READY_FD, fd 3), a number (that fd), or `systemd` (READY=1 on $NOTIFY_SOCKET).',
    };
  }
  const timing: Record<string, Spec> = {
    interval: { kind: 'duration', description: 'Time between probe attempts.', default: health ? '10s' : '200ms' },
    timeout: { kind: 'duration', description: 'Time one probe attempt may take.', default: health ? '5s' : '1s' },
  };
  if (health) {
    timing['retries'] = { kind: 'int', min: 1, description: 'Consecutive failures that make the service unhealthy (it is then restarted as after a crash).', default: 3 };
    timing['start-period'] = { kind: 'duration', description: 'Grace time after start during which failures do not count.', default: 0 };
  }
  const names = Object.keys(kinds);
  return {
    kind: 'object',
    description: health
      ? `Liveness probe run after the service started; \`retries\` consecutive failures restart it. Exactly one of ${names.join(', ')}.`
      : `Readiness condition: the service counts as started (dependents may start) once it holds. Exactly one of ${names.join(', ')}.`,
    keys: { ...kinds, ...timing },
    exactlyOne: names,
  };
}

export const SERVICE_SPEC: ObjectSpec = {
  kind: 'object',
  description: 'One supervised service.',
  extensions: true,
  keys: {
    type: {
      kind: 'enum',
      values: ['process', 'scripted', 'internal'],
      default: 'process',
      description: 'process: a long-running program; scripted: runs to completion (started = exited 0); internal: no process, a group of dependencies.',
    },
    command: {
      kind: 'command',
      description:
        'The program and its arguments: a list, or a string split into words like a shell would (quotes, backslashes) — but no shell runs; use [sh, -c, "…"] for pipes and redirections. Required unless type is internal.',
    },
    'stop-command': { kind: 'command', description: 'scripted services only: run when the service is stopped (e.g. to undo what command did).' },
    'depends-on': deps('Hard dependencies: start after they are started (ready); stopped first when one of them stops, and restarted with it.'),
    'depends-ms': deps('Milestone dependencies: must be started before this starts, but their later stop does not stop this one.'),
    'waits-for': deps('Soft dependencies: start after they started or failed; never stopped because of them.'),
    after: deps('Ordering only: if these are starting at the same time, start after them.'),
    before: deps('Ordering only: if these are starting at the same time, start before them.'),
    'auto-start': { reload: 'in-place', kind: 'bool', default: true, description: 'Start when dinit starts. false: only on `dinit start` or as a dependency of a started service.' },
    restart: {
      reload: 'in-place',
      kind: 'enum',
      values: ['always', 'on-failure', 'never'],
      booleans: { true: 'always', false: 'never' },
      default: 'on-failure',
      description: 'When to restart after the process exits: always, on-failure (exit code ≠ 0 or killed), never. true/false mean always/never.',
    },
    'restart-delay': { reload: 'in-place', kind: 'duration', default: '200ms', description: 'Wait this long before restarting.' },
    'restart-limit': {
      reload: 'in-place',
      kind: 'object',
      description: 'More than `count` restarts within `interval` and the service is failed (its hard dependents stop).',
      keys: {
        count: { kind: 'int', min: 0, default: 3, description: 'Restarts allowed within interval.' },
        interval: { kind: 'duration', default: '10s', description: 'Window in which restarts are counted.' },
      },
    },
    replicas: {
      kind: 'int',
      min: 1,
      max: 1000,
      description:
        'Run this many instances of a process service, named NAME-1 … NAME-N, each with DINIT_REPLICA=i in its environment (and ${DINIT_REPLICA} expanded in its values). depends-on: [NAME] needs every instance; a verb on NAME acts on all of them.',
    },
    schedule: {
      kind: 'cron',
      description:
        'scripted services only: run the command on this schedule instead of at start (a run still going at the next tick is not started twice: the tick is skipped and counted). `dinit start NAME` runs it now. Never a hard dependency.',
    },
    'restart-schedule': {
      kind: 'cron',
      description: 'process services only: restart the service on this schedule, as `dinit restart` does (its hard dependents come back with it).',
    },
    'schedule-timezone': {
      kind: 'timezone',
      description: "Time zone of schedule and restart-schedule (default: TZ of dinit's environment, else UTC).",
    },
    'success-exit-codes': {
      kind: 'exit-codes',
      default: 0,
      description:
        'Exit codes that mean the process completed rather than failed: no restart under restart: on-failure, not counted against restart-limit, dinit exits 0 when main exits so, and a scripted service that exits so has started.',
    },
    'smooth-recovery': { reload: 'in-place', kind: 'bool', default: false, description: 'Restart the process alone, without stopping and restarting its hard dependents.' },
    'stop-signal': { reload: 'in-place', kind: 'signal', default: 'SIGTERM', description: 'Signal sent to the process group to stop the service.' },
    'stop-timeout': { reload: 'in-place', kind: 'duration', default: '3s', description: 'After stop-signal, wait this long, then SIGKILL the process group.' },
    'stop-group': {
      reload: 'in-place',
      kind: 'bool',
      default: true,
      description:
        "true: stop-signal goes to the service's whole process group. false: to its main process only (pre-fork servers like gunicorn stop their workers themselves); the SIGKILL after stop-timeout still reaches the group.",
    },
    'start-timeout': { reload: 'in-place', kind: 'duration', default: '60s', description: 'The service must be started (ready) within this time, or it failed to start.' },
    'working-dir': { kind: 'path', description: "Working directory, relative to the config file's directory (default: dinit's working directory)." },
    user: { kind: 'user', description: 'Run as this user: name, uid, uid:gid or name:group (dinit must run as root).' },
    umask: { kind: 'umask', description: 'File mode creation mask, octal ("022").' },
    environment: envSpec('of this service, over the global ones'),
    'env-file': envFileSpec('for this service'),
    ready: probe(false),
    health: { ...probe(true), reload: 'in-place' },
    log: {
      reload: 'in-place',
      kind: 'object',
      description: "What happens to the service's output.",
      keys: {
        prefix: { kind: 'bool', default: true, description: 'Prefix console lines with the service name.' },
        file: { kind: 'path', description: "Also append output to this file (relative to the config file's directory), rotated by size." },
        'max-size': { kind: 'size', default: '10MB', description: 'Rotate the log file when it reaches this size (0: never).' },
        keep: { kind: 'int', min: 0, default: 3, description: 'Rotated log files kept.' },
        buffer: { kind: 'int', min: 0, default: 1000, description: 'Lines kept in memory for `dinit logs`.' },
      },
    },
    main: { kind: 'bool', default: false, description: 'When this service exits, dinit stops everything and exits with its exit code. At most one service.' },
  },
};

/** Service keys a reload applies in place, as ServiceConfig field names (`stop-timeout` → stopTimeout). */
export function inPlaceFields(): ReadonlySet<string> {
  const camel = (k: string): string => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  return new Set(
    Object.entries(SERVICE_SPEC.keys)
      .filter(([, spec]) => spec.reload === 'in-place')
      .map(([k]) => camel(k)),
  );
}

export const OPTIONS_SPEC: ObjectSpec = {
  kind: 'object',
  description: 'Supervisor-wide options.',
  keys: {
    'shutdown-timeout': {
      kind: 'duration',
      default: '9s',
      description: "Hard cap for the whole shutdown; what still runs then is killed. The default fits docker stop's 10s grace period.",
    },
    'log-format': { kind: 'enum', values: ['text', 'json'], default: 'text', description: 'text: prefixed lines; json: one JSON object per line (time, service, stream, line).' },
    timestamps: { kind: 'bool', default: false, description: 'Prefix text output lines with a timestamp.' },
    'on-failure': {
      kind: 'enum',
      values: ['continue', 'shutdown'],
      default: 'continue',
      description: 'What the container does when a service fails for good: continue, or shutdown (dinit exits 1).',
    },
    orphans: {
      kind: 'enum',
      values: ['reap', 'terminate', 'adopt'],
      default: 'reap',
      description: 'Processes reparented to dinit: reap (collect their exit when they end), terminate (signal them), adopt (track them).',
    },
    http: {
      kind: 'object',
      description: 'An HTTP endpoint inside the supervisor for probes and monitoring: GET /livez, /readyz, /metrics (Prometheus), /status. Off unless given. A string is the listen address alone.',
      shorthand: 'listen',
      required: ['listen'],
      keys: {
        listen: { kind: 'listen', description: 'Where to listen: "127.0.0.1:9180" (this container only), ":9180" (every interface, as Kubernetes probes need) or "[::1]:9180".' },
        control: {
          kind: 'bool',
          default: false,
          description: 'Allow POST /services/NAME/restart|start|stop. Needs token-file too: without both, every request other than GET gets 403.',
        },
        'token-file': {
          kind: 'path',
          description: "A file holding the bearer token that control requests must send (Authorization: Bearer TOKEN), relative to the config file's directory.",
        },
      },
    },
  },
};

export const ROOT_SPEC: ObjectSpec = {
  kind: 'object',
  description: 'dinit.yaml: the services dinit supervises.',
  extensions: true,
  required: ['services'],
  keys: {
    environment: envSpec('for every service'),
    'env-file': envFileSpec('for every service'),
    options: OPTIONS_SPEC,
    services: { kind: 'services', description: 'The services, by name.', service: SERVICE_SPEC },
  },
};

/** Names that would be ambiguous in dinit's own output or CLI. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['dinit']);
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
