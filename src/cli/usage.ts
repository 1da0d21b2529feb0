// Every help text of the CLI in one place, so `dinit --help`, `dinit VERB
// --help` and the README say the same thing. Each verb has a usage line, a
// one-line summary (the global list), its options and an example.

export interface VerbHelp {
  usage: string;
  summary: string;
  details?: string;
  options: [string, string][];
  examples: string[];
}

const SOCKET: [string, string] = [
  '--socket PATH',
  'control socket (default: $DINIT_SOCKET, else the first of /run/dinit.sock (root) or /run/dinit-$UID/dinit.sock, $XDG_RUNTIME_DIR/dinit.sock, /tmp/dinit-$UID/dinit.sock, /dev/shm/dinit-$UID/dinit.sock)',
];
const CONFIG: [string, string] = ['-c, --config FILE', 'config file (default: $DINIT_CONFIG, else ./dinit.yaml, else /etc/dinit.yaml)'];
const NO_WAIT: [string, string] = ['--no-wait', 'return once the request is accepted, without waiting'];

export const HELP: Record<string, VerbHelp> = {
  run: {
    usage: 'dinit [run] [-c FILE] [--socket PATH] [-- CMD ARG...]',
    summary: 'supervise the services of a config in the foreground (the default)',
    details: 'A trailing CMD becomes the service `main`: when it exits, dinit stops everything and exits with its code.',
    options: [CONFIG, SOCKET],
    examples: ['dinit -c /etc/dinit.yaml', 'dinit -- node server.js --port 8080'],
  },
  status: {
    usage: 'dinit status [SERVICE...] [--json]',
    summary: 'show the state of services (all by default)',
    options: [['--json', 'print an array of status objects instead of a table'], SOCKET],
    examples: ['dinit status', 'dinit status web db --json'],
  },
  top: {
    usage: 'dinit top',
    summary: "a full-screen live view: services with CPU and memory, and the selected one's logs",
    details: 'Keys: ↑/↓ or k/j select, r restart, s stop/start, l follow the log pane, q quit. Needs a terminal (docker exec -it).',
    options: [SOCKET],
    examples: ['docker exec -it CTR dinit top'],
  },
  start: {
    usage: 'dinit start SERVICE... [--no-wait]',
    summary: 'start services and what they need; wait until started (ready) or failed',
    options: [NO_WAIT, SOCKET],
    examples: ['dinit start web'],
  },
  stop: {
    usage: 'dinit stop [--force] SERVICE... [--no-wait]',
    summary: 'stop services and their hard dependents; wait until stopped',
    details: '--force is the explicit spelling of the same stop (dependents first), as dinitctl stop --force.',
    options: [['--force', 'stop even if dependents are up (they are stopped first; the default)'], NO_WAIT, SOCKET],
    examples: ['dinit stop worker', 'dinit stop --force db'],
  },
  restart: {
    usage: 'dinit restart SERVICE... [--no-wait]',
    summary: 'stop then start services; their dependents come back too',
    options: [NO_WAIT, SOCKET],
    examples: ['dinit restart web'],
  },
  signal: {
    usage: 'dinit signal SIGNAL SERVICE',
    summary: "send a signal to a service's process group",
    details: 'SIGNAL is a name (SIGHUP, HUP) or a number (1).',
    options: [SOCKET],
    examples: ['dinit signal HUP nginx', 'dinit signal SIGUSR1 worker'],
  },
  logs: {
    usage: 'dinit logs [SERVICE...] [-f] [-n N] [-t]',
    summary: "print recent output of services (kept in memory) with dinit's event lines about them; -f follows",
    options: [
      ['-f, --follow', 'keep printing new lines until interrupted'],
      ['-n, --lines N', 'how many recent lines to print first (default 100)'],
      ['-t, --timestamps', 'show when each line arrived (ISO 8601, UTC)'],
      SOCKET,
    ],
    examples: ['dinit logs web -n 20', 'dinit logs -f'],
  },
  reload: {
    usage: 'dinit reload',
    summary: 're-read the config: add new services, stop removed ones, restart changed ones',
    details: 'An invalid config is reported with file:line:col and nothing changes (exit 2). SIGHUP to dinit does the same.',
    options: [SOCKET],
    examples: ['dinit reload'],
  },
  shutdown: {
    usage: 'dinit shutdown',
    summary: 'stop everything in order; the supervisor exits',
    options: [SOCKET],
    examples: ['dinit shutdown'],
  },
  health: {
    usage: 'dinit health [--live | --ready]',
    summary: 'exit 0 iff ready (default) or, with --live, alive',
    details:
      '--ready (default): every service that should be up is started, ready and healthy, and none the config starts was stopped by request. ' +
      '--live: no service has failed for good (crash recovery and restarts are alive). Problems are printed on stderr. ' +
      'Docker HEALTHCHECK and Kubernetes readiness probes: --ready; Kubernetes liveness probes: --live.',
    options: [['--live', 'liveness: fail only when a service failed for good'], ['--ready', 'readiness (the default)'], SOCKET],
    examples: ['HEALTHCHECK CMD ["dinit", "health"]', 'livenessProbe: { exec: { command: [dinit, health, --live] } }'],
  },
  wait: {
    usage: 'dinit wait SERVICE... [--timeout 30s]',
    summary: 'block until services are started (ready); exit 1 on failure or timeout',
    options: [['--timeout DURATION', 'give up after this long (default 30s; 500ms, 10s, 2m)'], SOCKET],
    examples: ['dinit wait db --timeout 2m'],
  },
  graph: {
    usage: 'dinit graph [--format dot|mermaid] [-c FILE]',
    summary: 'print the dependency graph (of the running supervisor, else of the config file)',
    details: 'Edges point from a service to what it needs: depends-on solid, depends-ms bold, waits-for dashed, after/before dotted.',
    options: [['--format dot|mermaid', 'output format (default dot)'], ['-c, --config FILE', 'read this file even if a supervisor runs'], SOCKET],
    examples: ['dinit graph | dot -Tsvg > graph.svg', 'dinit graph --format mermaid -c dinit.yaml'],
  },
  check: {
    usage: 'dinit check [-c FILE]',
    summary: 'validate a config file; print every error with file:line:col',
    options: [CONFIG],
    examples: ['dinit check -c dinit.yaml'],
  },
  schema: {
    usage: 'dinit schema',
    summary: 'print the JSON Schema of dinit.yaml (for editors)',
    options: [],
    examples: ['dinit schema > dinit.schema.json'],
  },
  import: {
    usage: 'dinit import PATH [--from supervisord|procfile|process-compose|s6] [-o FILE] [--force]',
    summary: 'convert a supervisord, Procfile, process-compose or s6-overlay setup to dinit.yaml',
    details:
      'PATH is a file or a directory (an s6-overlay tree, or one holding supervisord.conf, Procfile or process-compose.yaml); the format is detected unless --from gives it. Settings with no dinit equivalent are kept as "# not converted:" comments and listed on stderr. Exit 0: all converted; 1: some settings not converted; 2: unreadable input.',
    options: [
      ['--from FORMAT', 'supervisord, procfile, process-compose or s6 (default: detected)'],
      ['-o, --output FILE', 'write the YAML to FILE instead of stdout'],
      ['--force', 'overwrite FILE if it exists'],
    ],
    examples: ['dinit import /etc/supervisor/supervisord.conf -o dinit.yaml', 'dinit import Procfile', 'dinit import /etc/s6-overlay -o /etc/dinit.yaml'],
  },
  'is-started': {
    usage: 'dinit is-started SERVICE',
    summary: 'exit 0 if the service is started, else 1; prints nothing',
    details: 'For shell scripts and probes. An unknown service or an unreachable supervisor is still reported (exit 1 or 3).',
    options: [SOCKET],
    examples: ['if dinit is-started db; then echo up; fi'],
  },
  'is-failed': {
    usage: 'dinit is-failed SERVICE',
    summary: 'exit 0 if the service has failed (held down by a failure), else 1; prints nothing',
    details: 'For shell scripts and probes. An unknown service or an unreachable supervisor is still reported (exit 1 or 3).',
    options: [SOCKET],
    examples: ['dinit is-failed worker && dinit start worker'],
  },
  events: {
    usage: 'dinit events [--json] [SERVICE...]',
    summary: 'print state changes of services as they happen (all by default), until interrupted',
    details:
      'One line per change: time, service, event (spawned, ready, started, exited, restarting, stopping, killing, stopped, failed, unhealthy, reloaded; dinit itself: shutdown, reloaded), pid and reason. A reader too slow for the supervisor loses events, counted on stderr.',
    options: [['--json', 'print one JSON object per event: time, service, event, pid, reason'], SOCKET],
    examples: ['dinit events', 'dinit events --json web | jq .event'],
  },
  scale: {
    usage: 'dinit scale NAME N',
    summary: 'run N instances of a service with replicas: now, until the next reload',
    details:
      "New instances take the service's definition from dinit.yaml as it is now; instances beyond N are stopped; nothing else is touched. Not written back: dinit reload (or SIGHUP) goes back to the file's replicas.",
    options: [SOCKET],
    examples: ['dinit scale worker 5'],
  },
  help: {
    usage: 'dinit help [COMMAND]',
    summary: 'show help for dinit or for one command',
    options: [],
    examples: ['dinit help logs'],
  },
};

function table(rows: [string, string][], indent = '  '): string {
  const w = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(w)}  ${b}`).join('\n');
}

export function verbHelp(verb: string): string {
  const h = HELP[verb];
  if (!h) return globalHelp();
  const summary = (h.summary[0]?.toUpperCase() ?? '') + h.summary.slice(1);
  const parts = [`Usage: ${h.usage}`, '', summary + (summary.endsWith('.') ? '' : '.')];
  if (h.details) parts.push(h.details);
  const options: [string, string][] = [...h.options, ['-h, --help', 'show this help']];
  parts.push('', 'Options:', table(options));
  parts.push('', h.examples.length > 1 ? 'Examples:' : 'Example:', ...h.examples.map((e) => `  ${e}`));
  return parts.join('\n') + '\n';
}

export function globalHelp(): string {
  const verbs = Object.entries(HELP).map(([name, h]): [string, string] => [name, h.summary]);
  return (
    [
      'dinit — a process supervisor for containers: PID 1 done right, with dependencies.',
      '',
      'Usage:',
      '  dinit [run] [-c FILE] [--socket PATH] [-- CMD ARG...]   supervise (foreground)',
      '  dinit COMMAND [ARGS...] [--socket PATH]                  control a running supervisor',
      '',
      'Commands:',
      table(verbs),
      '',
      'Options:',
      table([CONFIG, SOCKET, ['-h, --help', 'show help (also: dinit COMMAND --help)'], ['--version', 'print the version']]),
      '',
      'Exit codes: 0 ok, 1 operation failed, 2 usage or config error, 3 supervisor unreachable.',
      '',
      'Example:',
      '  docker exec CTR dinit status',
    ].join('\n') + '\n'
  );
}
