import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { loadConfigFile, parseConfig } from '../../src/config/index.js';
import { repoRoot } from '../helpers/paths.js';

const dir = join(repoRoot, 'test', 'fixtures', 'configs');
const FILE = '/x/dinit.yaml';

/** Every issue as "line:col message (hint)", in the order reported. */
function issuesOf(load: () => unknown, file?: string): string[] {
  try {
    load();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.code, 'CONFIG_INVALID');
    return e.issues.map((i) => `${file && i.pos.file !== file ? i.pos.file.slice(dir.length + 1) + ':' : ''}${i.pos.line}:${i.pos.col} ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  assert.fail('the config was accepted');
}
const fixture = (name: string): string[] => issuesOf(() => loadConfigFile(join(dir, name), {}), join(dir, name));
const inline = (text: string, env: NodeJS.ProcessEnv = {}): string[] => issuesOf(() => parseConfig(text, FILE, env));

test('a file with five distinct problems reports all five at once, located', () => {
  assert.deepEqual(fixture('five-errors.yaml'), [
    "4:5 unknown key 'depend-on' in services.web (did you mean 'depends-on'?)",
    '5:19 services.web.stop-timeout: expected a duration like 500ms, 10s, 2m, 1h or a number of seconds, got "fast"',
    '8:14 services.db.restart: "sometimes" is not allowed: use one of always, on-failure, never (or true/false)',
    '9:18 services.db.stop-signal: "SIGFOO" is not a signal on this system (write it like SIGTERM, TERM or 15; `kill -l` lists them)',
    "12:17 services.worker.waits-for: 'dbb' is not a service (did you mean 'db'?)",
  ]);
});

test('the ConfigError message lists every issue as file:line:col', () => {
  const file = join(dir, 'five-errors.yaml');
  assert.throws(
    () => loadConfigFile(file, {}),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^invalid config \(5 errors\):\n/);
      assert.ok(e.message.includes(`  ${file}:4:5: unknown key 'depend-on' in services.web (did you mean 'depends-on'?)`));
      return true;
    },
  );
});

test('dependency cycles are reported once each with their path, through every edge kind', () => {
  assert.deepEqual(fixture('cycle.yaml'), [
    '4:18 dependency cycle: a -> b -> c -> a (a depends-on b, b waits-for c, a before c) (remove one of these dependencies)',
    '16:18 dependency cycle: e -> e2 -> e (e depends-ms e2, e2 depends-ms e) (remove one of these dependencies)',
  ]);
});

test('duplicate service names and duplicate keys are each reported where they repeat', () => {
  assert.deepEqual(fixture('duplicates.yaml'), [
    '6:5 services.db.command is given twice (first at line 5) (remove one of them)',
    "7:3 service 'web' is defined twice (first at line 2) (rename or remove one of them)",
  ]);
});

test('YAML syntax errors are located and stop before any other check', () => {
  const issues = fixture('syntax.yaml');
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? '', /^4:3 YAML syntax error: this line is indented less than the value above it needs: is a quote, \[ or \{ above it left open\?/);
});

test('aliases that expand past the bound are refused before any check walks them (a "billion laughs" of << merges)', () => {
  // Nine levels of eight merges: the check used to expand every one (8^9 maps), busy for minutes.
  const lines = ['x-0: &x0 {command: run}'];
  for (let i = 1; i <= 9; i++) lines.push(`x-${i}: &x${i} {<<: [${Array.from({ length: 8 }, () => `*x${i - 1}`).join(', ')}]}`);
  const issues = inline([...lines, 'services:', '  svc:', '    <<: *x9', ''].join('\n'));
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? '', /^7:\d+ with its aliases expanded, the document has more than 1000000 nodes \(write fewer \*aliases/);
});

test('env-file problems point into the env-file, a missing one at its name in the config', () => {
  assert.deepEqual(fixture('bad-env-file.yaml'), [
    `1:21 cannot read env-file ${join(dir, 'missing.env')}: no such file (check the path; relative paths start at the config file's directory)`,
    'bad.env:2:1 not a KEY=VALUE line (env-file lines look like NAME=value; comments start with #)',
    'bad.env:3:8 BROKEN: unclosed double quote (close the quote on the same line: KEY="value")',
    'bad.env:4:9 EXPANDS: unclosed "${" at character 1 of the value (write ${NAME} or ${NAME:-default}; use $$ for a literal $)',
  ]);
});

test('wrong types say what was expected and what was found', () => {
  assert.deepEqual(inline('services:\n  a:\n    command: { run: x }\n    auto-start: "yes"\n    restart-limit: 3\n    log: { keep: -1, buffer: 1.5 }\n    environment: [A=1]\n'), [
    '3:14 services.a.command: expected a command: a list of words, or a string split into words like a shell would, got a map',
    '4:17 services.a.auto-start: expected true or false, got "yes"',
    '5:20 services.a.restart-limit: expected a map of keys, got 3',
    '6:18 services.a.log.keep: -1 is out of range: use a whole number from 0 up',
    '6:30 services.a.log.buffer: expected a whole number, got 1.5',
    '7:18 services.a.environment: expected a map of NAME: value, got a list (write environment: { NAME: value })',
  ]);
  assert.deepEqual(inline('services: [a, b]\n'), ['1:11 services: expected a map of service names to their definitions, got a list']);
  assert.deepEqual(inline('- a\n'), ['1:1 the config: expected a map of keys, got a list']);
});

test('a missing or empty config says what it needs', () => {
  assert.deepEqual(inline(''), ['1:1 the config is empty (it needs at least `services: {}`)']);
  assert.deepEqual(inline('options: {}\n'), ["1:1 missing required key 'services' (add services:)"]);
  assert.deepEqual(inline('services: {}\nweb:\n  command: [x]\n'), ["2:1 unknown key 'web' at the top level (services go under services: — move 'web' there)"]);
  assert.deepEqual(inline('command: [x]\nservices:\n  a: { command: [a], shutdown-timeout: 5s }\n'), [
    "1:1 unknown key 'command' at the top level (command is a service key: put it under services.NAME:)",
    "3:22 unknown key 'shutdown-timeout' in services.a (shutdown-timeout is a global option: put it under options:)",
  ]);
  assert.deepEqual(inline('services: {}\nservice: {}\n'), ["2:1 unknown key 'service' at the top level (did you mean 'services'?)"]);
});

test('unknown keys without a close match list the valid ones', () => {
  assert.deepEqual(inline('options: { zzzzzz: 1 }\nservices: {}\n'), ["1:12 unknown key 'zzzzzz' in options (valid keys: shutdown-timeout, log-format, timestamps, on-failure, orphans, http)"]);
});

test('service types forbid keys that do not apply and require a command', () => {
  assert.deepEqual(
    inline(
      [
        'services:',
        '  grp: { type: internal, command: [x], ready: { tcp: 1 } }',
        '  job: { type: scripted, command: [x], health: { tcp: 1 } }',
        "  p: { command: [x], stop-command: [y] }  # fine: a process service's stop-command replaces stop-signal",
        '  none: { restart: never }',
        '  empty:',
        '  g2: { type: internal, main: true }',
      ].join('\n'),
    ),
    [
      "2:26 services.grp: an internal service runs no process, so 'command' does not apply (remove command, or set type: process)",
      "2:40 services.grp: an internal service runs no process, so 'ready' does not apply (remove ready, or set type: process)",
      "3:40 services.job: a scripted service is started when its command exits 0, so 'health' does not apply (remove health, or set type: process)",
      "5:3 service 'none' has no command (add command: [program, args…], or type: internal for a group of dependencies)",
      "6:3 service 'empty' has no command (add command: [program, args…], or type: internal for a group of dependencies)",
      '7:25 services.g2: an internal service cannot be main (it never exits) (put main: true on a process service)',
    ],
  );
});

test('more than one main service is an error at each extra one', () => {
  assert.deepEqual(inline('services:\n  a: { command: [a], main: true }\n  b: { command: [b], main: false }\n  c: { command: [c], main: true }\n'), [
    "4:22 services.c: only one service can be main, and 'a' already is (line 2) (remove main: true from all but one service)",
  ]);
});

test('probes need exactly one kind and valid values', () => {
  assert.deepEqual(
    inline(
      [
        'services:',
        '  a: { command: [a], ready: { interval: 1s } }',
        '  b: { command: [b], ready: { tcp: 70000 }, health: { notify: fd, http: "ftp://x" } }',
        '  c: { command: [c], ready: { log: "([a-z" } }',
        '  d: { command: [d], ready: { notify: 2 }, health: { exec: [], retries: 0 } }',
        '  e: { command: [e], ready: { tcp: "db:http" } }',
      ].join('\n'),
    ),
    [
      '2:29 services.a.ready needs exactly one of tcp, http, exec, log, notify',
      '3:36 services.b.ready.tcp: 70000 is not a valid port or host:port (write a port like 5432 or "host:port" like "127.0.0.1:5432" or "[::1]:5432")',
      "3:55 unknown key 'notify' in services.b.health (valid keys: tcp, http, exec, interval, timeout, retries, start-period)",
      '3:73 services.b.health.http: "ftp://x": only http:// and https:// URLs can be probed',
      '4:36 services.c.ready.log: invalid regular expression: Invalid regular expression: /([a-z/: Unterminated character class (escape special characters with a backslash)',
      '5:39 services.d.ready.notify: 2 is not a notify mode: use fd, systemd or a file descriptor number (3 or more; 0-2 are stdin/stdout/stderr)',
      '5:60 services.d.health.exec: the command is empty (give the program to run as the first item)',
      '5:73 services.d.health.retries: 0 is out of range: use a whole number from 1 up',
      '6:36 services.e.ready.tcp: "db:http" is not a valid port or host:port (write a port like 5432 or "host:port" like "127.0.0.1:5432" or "[::1]:5432")',
    ],
  );
});

test('commands that need a shell or have broken quotes are rejected with a fix', () => {
  assert.deepEqual(inline('services:\n  a: { command: "run > out.log" }\n  b: { command: "echo \'hi" }\n  c: { command: [x, [y]] }\n'), [
    '2:17 services.a.command: the command uses shell syntax (>) but no shell runs (write it as [sh, -c, "…"] to run it through a shell, or quote the character)',
    '3:17 services.b.command: cannot split the command into words: unbalanced single quote at character 6 (close the quote, or write the command as a list)',
    '4:21 services.c.command: list items must be strings, got a list',
  ]);
});

test('unknown dependencies get a did-you-mean over service names', () => {
  assert.deepEqual(inline('services:\n  postgres: { command: [p] }\n  web: { command: [w], depends-on: postgress, after: [zzz] }\n'), [
    "3:36 services.web.depends-on: 'postgress' is not a service (did you mean 'postgres'?)",
    "3:55 services.web.after: 'zzz' is not a service (services are: postgres, web)",
  ]);
});

test('malformed ${ and required variables are located at their value', () => {
  assert.deepEqual(inline('environment: { A: "${A" }\nservices:\n  a: { command: "run ${TOKEN:?needed}" }\n'), [
    '1:19 environment: unclosed "${" at character 1 of the value (write ${NAME} or ${NAME:-default}; use $$ for a literal $)',
    "3:17 services.a.command: required variable TOKEN is not set: needed (set TOKEN in dinit's environment)",
  ]);
});

test('service names must be usable on the command line and not reserved', () => {
  assert.deepEqual(inline('services:\n  dinit: { command: [a] }\n  -x: { command: [b] }\n  "a b": { command: [c] }\n'), [
    "2:3 'dinit' is reserved for dinit's own messages (choose another service name)",
    "3:3 '-x' is not a valid service name (use letters, digits, and . _ @ - (not first))",
    "4:3 'a b' is not a valid service name (use letters, digits, and . _ @ - (not first))",
  ]);
});

test('bad user, umask, size and enum values say what is allowed', () => {
  assert.deepEqual(inline('options: { log-format: jsn, orphans: kill }\nservices:\n  a: { command: [a], user: "a b", umask: 999, log: { max-size: 10XB } }\n'), [
    '1:24 options.log-format: "jsn" is not allowed: use one of text, json (did you mean \'json\'?)',
    '1:38 options.orphans: "kill" is not allowed: use one of reap, terminate, adopt',
    '3:28 services.a.user: expected a user name, uid, uid:gid or name:group, got "a b"',
    '3:42 services.a.umask: 999 is not a umask (write it in octal, quoted: umask: "022")',
    '3:64 services.a.log.max-size: expected a size like 10MB, 512KB, 1GiB or a number of bytes, got "10XB"',
  ]);
});

test('x- extension keys and << merge keys are accepted; written keys win over merged ones', () => {
  const c = parseConfig('x-base: &b { restart: never, stop-timeout: 1s }\nservices:\n  a:\n    <<: *b\n    command: [a]\n    stop-timeout: 2s\n    x-note: hi\n', FILE, {});
  assert.equal(c.services[0]?.restart, 'never');
  assert.equal(c.services[0].stopTimeout, 2000);
});

test('success-exit-codes must be exit codes 0-255, located at the bad item', () => {
  assert.deepEqual(inline('services:\n  a:\n    command: [a]\n    success-exit-codes: [0, 300]\n  b:\n    command: [b]\n    success-exit-codes: []\n  c:\n    command: [c]\n    success-exit-codes: ok\n'), [
    '4:29 services.a.success-exit-codes: 300 is not an exit code: use whole numbers from 0 to 255 (write it like [0, 3])',
    '7:25 services.b.success-exit-codes: the list of exit codes is empty (give at least one, usually [0])',
    '10:25 services.c.success-exit-codes: "ok" is not an exit code: use whole numbers from 0 to 255 (write it like [0, 3])',
  ]);
});

test('replicas: process services only, never main, no clash with another name; a shared mistake is reported once', () => {
  assert.deepEqual(
    inline(`services:
  job: { type: scripted, command: [j], replicas: 2 }
  app: { command: [a], main: true, replicas: 2 }
  web: { command: [w], replicas: 2, stop-timeout: soon }
  web-2: { command: [x] }
  api: { command: [a], depends-on: [webb] }
`),
    [
      '2:40 services.job: replicas applies to process services only (remove replicas, or set type: process)',
      '3:36 services.app: main cannot have replicas (its one exit ends the container) (remove replicas, or main: true)',
      "4:3 replica 'web-2' of 'web' has the name of another service (rename that service, or 'web')",
      '4:51 services.web.stop-timeout: expected a duration like 500ms, 10s, 2m, 1h or a number of seconds, got "soon"',
      "6:37 services.api.depends-on: 'webb' is not a service (did you mean 'web'?)",
    ],
  );
});

test('schedules: a bad cron or time zone, the wrong service type, and a scheduled hard dependency are refused', () => {
  const issues = inline(`services:
  a: { type: scripted, command: [a], schedule: "61 * * * *" }
  b: { command: [b], schedule: "* * * * *", schedule-timezone: Mars/Base }
  c: { type: scripted, command: [c], restart-schedule: "@daily" }
  d: { type: scripted, command: [d], schedule: "@hourly" }
  e: { command: [e], depends-on: [d], waits-for: [d] }
`);
  assert.equal(issues.length, 5, issues.join('\n'));
  assert.match(issues[0] ?? '', /^2:48 services\.a\.schedule: "61 \* \* \* \*" is not a cron schedule: Invalid value for minute: 61 \(write minute hour day month weekday/);
  assert.match(issues[1] ?? '', /^3:22 services\.b: schedule applies to scripted services only \(to restart a process service on a schedule use restart-schedule/);
  assert.match(issues[2] ?? '', /^3:64 services\.b\.schedule-timezone: "Mars\/Base" is not a time zone/);
  assert.match(issues[3] ?? '', /^4:38 services\.c: restart-schedule applies to process services only \(to run a scripted service on a schedule use schedule\)/);
  assert.match(issues[4] ?? '', /^6:35 services\.e\.depends-on: 'd' runs on a schedule, so it cannot be a hard dependency .*\(use waits-for: \[d\] or after: \[d\]\)$/);
});

test('limits, nice and oom-score-adj say what is allowed, located', () => {
  assert.deepEqual(
    inline(`services:
  a:
    command: [a]
    limits: { nofile: lots, core: { soft: 10, hard: 5 }, stack: { max: 1 }, fds: 3 }
    nice: -21
    oom-score-adj: 1001
  g: { type: internal, limits: { nofile: 10 } }
`),
    [
      '4:23 services.a.limits.nofile: "lots" is not a limit (write a number, unlimited, or {soft: 1024, hard: 4096})',
      '4:35 services.a.limits.core: soft limit 10 is above hard limit 5 (the soft limit can be at most the hard one)',
      "4:65 services.a.limits.stack: unknown key 'max' in a limit (a limit map has only soft and hard)",
      "4:77 unknown key 'fds' in services.a.limits (valid keys: nofile, nproc, core, memlock, stack, as, cpu, fsize)",
      '5:11 services.a.nice: -21 is out of range: use a whole number from -20 to 19',
      '6:20 services.a.oom-score-adj: 1001 is out of range: use a whole number from -1000 to 1000',
      "7:24 services.g: an internal service runs no process, so 'limits' does not apply (remove limits, or set type: process)",
    ],
  );
});

test('max-memory is for process services, and its interval needs it', () => {
  assert.deepEqual(
    inline(`services:
  job: { type: scripted, command: [a], max-memory: 1GiB }
  web: { command: [a], max-memory-interval: 1s }
  big: { command: [a], max-memory: lots }
`),
    [
      '2:40 services.job: max-memory applies to process services only (remove max-memory, or set type: process)',
      '3:24 services.web: max-memory-interval without max-memory (add max-memory, or remove max-memory-interval)',
      '4:36 services.big.max-memory: expected a size like 10MB, 512KB, 1GiB or a number of bytes, got "lots"',
    ],
  );
});

test('type: forking needs a pid-file, and pid-file, ready and replicas say where they do not fit', () => {
  assert.deepEqual(
    inline(`services:
  d: { type: forking, command: [d] }
  p: { command: [p], pid-file: p.pid }
  r: { type: forking, command: [r], pid-file: r.pid, ready: { tcp: 1 }, replicas: 2 }
`),
    [
      '2:8 services.d: type: forking needs pid-file (add pid-file: /run/NAME.pid (where the daemon writes its pid))',
      '3:22 services.p: pid-file applies to type: forking only (set type: forking, or remove pid-file)',
      '4:54 services.r: a forking service is started when its pid file names its daemon; ready does not apply (remove ready (health works))',
      '4:73 services.r: a forking service cannot have replicas (they would share one pid-file) (remove replicas)',
    ],
  );
});
