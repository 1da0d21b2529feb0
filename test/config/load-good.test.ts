import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DinitError } from '../../src/errors.js';
import type { ServiceConfig } from '../../src/types.js';
import { emptyConfig, loadConfigFile, mainService, parseConfig, resolveConfigPath } from '../../src/config/index.js';
import { repoRoot } from '../helpers/paths.js';

const dir = join(repoRoot, 'test', 'fixtures', 'configs');
const full = join(dir, 'full.yaml');
const env = { WHO: 'tester', APP_NAME: 'shop', FROM_HOST: 'from-host' };

const defaults = (name: string, extra: Partial<ServiceConfig>): ServiceConfig => ({
  name,
  type: 'process',
  command: [],
  dependsOn: [],
  dependsMs: [],
  waitsFor: [],
  after: [],
  before: [],
  autoStart: true,
  restart: 'on-failure',
  restartDelay: 200,
  restartLimit: { count: 3, interval: 10_000 },
  smoothRecovery: false,
  successExitCodes: [0],
  stopSignal: 'SIGTERM',
  stopTimeout: 3000,
  stopGroup: true,
  startTimeout: 60_000,
  environment: {},
  log: { prefix: true, maxSize: 10_000_000, keep: 3, buffer: 1000 },
  main: false,
  ...extra,
});

const at = (line: number) => ({ file: full, line, col: 3 });

test('a file using every key parses to normalised options and environment', () => {
  const c = loadConfigFile(full, env);
  assert.equal(c.file, full);
  assert.deepEqual(c.options, { shutdownTimeout: 25_000, logFormat: 'json', timestamps: true, onFailure: 'shutdown', orphans: 'terminate' });
  assert.deepEqual(c.environment, {
    TZ: 'UTC',
    GREETING: 'hello tester',
    PRICE: '$5',
    FROM_HOST: 'from-host',
    QUOTED: 'a "b" tester',
    LITERAL: '${NOT_EXPANDED}',
    PLAIN: 'value',
  });
  assert.deepEqual(
    c.services.map((s) => s.name),
    ['db', 'migrate', 'web', 'cache', 'notifier', 'sd', 'fd5', 'probe-exec', 'setup', 'app', 'all'],
  );
});

test('a file using every key parses each service to its normalised form', () => {
  const c = loadConfigFile(full, env);
  const svc = (name: string): ServiceConfig | undefined => c.services.find((s) => s.name === name);
  assert.deepEqual(
    svc('db'),
    defaults('db', {
      command: ['postgres', '-D', '/data', '5432'],
      ready: { probe: { kind: 'tcp', host: '127.0.0.1', port: 5432 }, interval: 500, timeout: 2000 },
      stopSignal: 'SIGINT',
      stopTimeout: 10_000,
      user: { spec: '999:999' },
      pos: at(18),
    }),
  );
  assert.deepEqual(
    svc('migrate'),
    defaults('migrate', {
      type: 'scripted',
      command: ['./migrate.sh', '--to', 'last one'],
      stopCommand: ['./migrate.sh', '--down'],
      dependsOn: ['db'],
      restart: 'never',
      pos: at(24),
    }),
  );
  assert.deepEqual(
    svc('web'),
    defaults('web', {
      command: ['node', 'server.js', '--name', 'shop'],
      dependsOn: ['db', 'migrate'],
      dependsMs: ['setup'],
      waitsFor: ['cache'],
      after: ['setup'],
      restartDelay: 1000,
      restartLimit: { count: 5, interval: 60_000 },
      smoothRecovery: true,
      stopSignal: 'SIGTERM',
      stopTimeout: 3000,
      startTimeout: 90_000,
      workingDir: join(dir, 'app'),
      umask: 0o22,
      environment: { PORT: '8080', DEBUG: 'false', WEB_ONLY: 'yes' },
      health: { probe: { kind: 'http', url: 'http://127.0.0.1:8080/health' }, interval: 10_000, timeout: 3000, retries: 2, startPeriod: 30_000 },
      log: { prefix: false, file: join(dir, 'logs/web.log'), maxSize: 1024 * 1024, keep: 5, buffer: 200 },
      pos: at(30),
    }),
  );
  assert.deepEqual(
    svc('cache'),
    defaults('cache', {
      command: ['redis-server', '--save', ''],
      restart: 'always',
      stopSignal: 'SIGQUIT',
      ready: { probe: { kind: 'log', pattern: 'Ready to accept connections' }, interval: 200, timeout: 1000 },
      after: ['setup'],
      pos: at(49),
    }),
  );
  assert.deepEqual(svc('notifier')?.ready, { probe: { kind: 'notify-fd', fd: 3 }, interval: 200, timeout: 1000 });
  assert.deepEqual(svc('notifier')?.health, { probe: { kind: 'exec', command: ['check', '--quiet'] }, interval: 10_000, timeout: 5000, retries: 3, startPeriod: 0 });
  assert.equal(svc('notifier')?.autoStart, false);
  assert.deepEqual(svc('sd')?.ready?.probe, { kind: 'notify-systemd' });
  assert.deepEqual(svc('fd5')?.ready?.probe, { kind: 'notify-fd', fd: 5 });
  assert.deepEqual(svc('probe-exec')?.ready, { probe: { kind: 'exec', command: ['test', '-f', '/tmp/ready'] }, interval: 2000, timeout: 1000 });
  assert.deepEqual(svc('setup')?.before, ['cache']);
  assert.deepEqual(svc('app'), defaults('app', { command: ['app', '--serve'], main: true, user: { spec: 'www-data' }, umask: 0o27, pos: at(72) }));
  assert.deepEqual(svc('all'), defaults('all', { type: 'internal', dependsOn: ['web', 'cache'], pos: at(77) }));
});

test('success-exit-codes takes one code or a list, duplicates folded', () => {
  const c = parseConfig('services:\n  a: { command: [a], success-exit-codes: [0, 3, 3] }\n  b: { command: [b], success-exit-codes: 2 }\n', '/x/dinit.yaml', {});
  assert.deepEqual(
    c.services.map((s) => s.successExitCodes),
    [[0, 3], [2]],
  );
});

test("before edges are also written into the other service's after", () => {
  const c = parseConfig('services:\n  a: { command: [a], before: [b, c] }\n  b: { command: [b] }\n  c: { command: [c], after: [a] }\n', '/x/dinit.yaml', {});
  assert.deepEqual(
    c.services.map((s) => [s.name, s.after]),
    [
      ['a', []],
      ['b', ['a']],
      ['c', ['a']],
    ],
  );
});

test('an empty services map is a valid config with default options', () => {
  assert.deepEqual(parseConfig('services:\n', '/x/dinit.yaml', {}).services, []);
  const c = parseConfig('services: {}\n', '/x/dinit.yaml', {});
  assert.deepEqual(c, { ...emptyConfig('/x/dinit.yaml'), services: [] });
  assert.deepEqual(c.options, { shutdownTimeout: 9000, logFormat: 'text', timestamps: false, onFailure: 'continue', orphans: 'reap' });
});

test('values built by ${VAR} expansion may stand for numbers and booleans', () => {
  const c = parseConfig('services:\n  a:\n    command: [a]\n    auto-start: ${AUTO:-false}\n    log: { keep: "${KEEP}" }\n    stop-timeout: ${T:-2}\n', '/x/d.yaml', { KEEP: '7' });
  assert.equal(c.services[0]?.autoStart, false);
  assert.equal(c.services[0].log.keep, 7);
  assert.equal(c.services[0].stopTimeout, 2000);
});

test('the config path is -c, else $DINIT_CONFIG, else ./dinit.yaml, else /etc/dinit.yaml', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dinit-config-'));
  try {
    assert.equal(resolveConfigPath('my.yaml', { DINIT_CONFIG: '/e.yaml' }, tmp), join(tmp, 'my.yaml'));
    assert.equal(resolveConfigPath(undefined, { DINIT_CONFIG: 'e.yaml' }, tmp), join(tmp, 'e.yaml'));
    assert.equal(resolveConfigPath(undefined, {}, tmp), '/etc/dinit.yaml');
    writeFileSync(join(tmp, 'dinit.yaml'), 'services: {}\n');
    assert.equal(resolveConfigPath(undefined, {}, tmp), join(tmp, 'dinit.yaml'));
    assert.equal(resolveConfigPath(undefined, { DINIT_CONFIG: '' }, tmp), join(tmp, 'dinit.yaml'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('an unreadable config file is a CONFIG_READ error naming the file and why', () => {
  const missing = join(tmpdir(), 'dinit-no-such-dir', 'dinit.yaml');
  assert.throws(
    () => loadConfigFile(missing),
    (e: unknown) => {
      assert.ok(e instanceof DinitError);
      assert.equal(e.code, 'CONFIG_READ');
      assert.match(e.message, new RegExp(`cannot read config file ${missing}: no such file`));
      return true;
    },
  );
  assert.throws(() => loadConfigFile(dir), /it is a directory/);
});

test('the CMD becomes a main service that waits for every auto-start service', () => {
  const c = parseConfig('services:\n  a: { command: [a] }\n  b: { command: [b], auto-start: false }\n  c: { type: internal }\n', '/x/d.yaml', {});
  assert.deepEqual(
    mainService(['myapp', '--port', '8080'], c),
    defaults('main', {
      command: ['myapp', '--port', '8080'],
      restart: 'never',
      main: true,
      waitsFor: ['a', 'c'],
    }),
  );
  assert.deepEqual(mainService(['x'], emptyConfig('<args>')).waitsFor, []);
});

test('a CMD conflicts with a service named main or marked main', () => {
  const named = parseConfig('services:\n  main: { command: [a] }\n', '/x/d.yaml', {});
  assert.throws(
    () => mainService(['x'], named),
    (e: unknown) => e instanceof DinitError && e.code === 'USAGE' && /a service named 'main' \(\/x\/d\.yaml:2\)/.test(e.message),
  );
  const marked = parseConfig('services:\n  app: { command: [a], main: true }\n', '/x/d.yaml', {});
  assert.throws(
    () => mainService(['x'], marked),
    (e: unknown) => e instanceof DinitError && e.code === 'USAGE' && /a main service 'app'/.test(e.message),
  );
  assert.throws(
    () => mainService([], emptyConfig('<args>')),
    (e: unknown) => e instanceof DinitError && e.code === 'USAGE',
  );
});

test('replicas: N runs NAME-1 … NAME-N with DINIT_REPLICA expanded per instance; depends-on: [NAME] needs every one', () => {
  const text = `services:
  web:
    command: [serve, --port, "\${PORT_BASE}\${DINIT_REPLICA}"]
    replicas: 3
    environment: { ID: "w\${DINIT_REPLICA}" }
    ready: { tcp: "\${PORT_BASE}\${DINIT_REPLICA}" }
    depends-on: [db]
  db: { command: [db] }
  api: { command: [api], depends-on: [web], after: [db] }
`;
  const c = parseConfig(text, '/x/dinit.yaml', { PORT_BASE: '80' });
  assert.deepEqual(
    c.services.map((s) => s.name),
    ['web-1', 'web-2', 'web-3', 'db', 'api'],
  );
  const web2 = c.services[1];
  assert.ok(web2);
  assert.deepEqual(web2.command, ['serve', '--port', '802']);
  assert.deepEqual(web2.environment, { ID: 'w2', DINIT_REPLICA: '2' });
  assert.deepEqual(web2.ready?.probe, { kind: 'tcp', host: '127.0.0.1', port: 802 });
  assert.equal(web2.replicaOf, 'web');
  assert.equal(web2.replica, 2);
  assert.deepEqual(web2.dependsOn, ['db']);
  const api = c.services[4];
  assert.ok(api);
  assert.deepEqual(api.dependsOn, ['web-1', 'web-2', 'web-3']);
  // A reload compares api's edges as written, so the number of web instances is not part of api's definition.
  const c2 = parseConfig(text.replace('replicas: 3', 'replicas: 5'), '/x/dinit.yaml', { PORT_BASE: '80' });
  assert.equal(c2.services.find((s) => s.name === 'api')?.edgesAsWritten, api.edgesAsWritten);
  // Without replicas, nothing is renamed and DINIT_REPLICA is not set.
  const plain = parseConfig('services:\n  web: { command: [w] }\n', '/x/dinit.yaml', {});
  const web = plain.services[0];
  assert.ok(web);
  assert.equal(web.name, 'web');
  assert.deepEqual(web.environment, {});
});

test('a scheduled job is not started at boot; restart-schedule and schedule-timezone are kept', () => {
  const c = parseConfig('services:\n  j: { type: scripted, command: [j], schedule: "@hourly", schedule-timezone: Europe/Berlin }\n  w: { command: [w], restart-schedule: "0 4 * * *" }\n', '/x/dinit.yaml', {});
  assert.deepEqual(
    c.services.map((s) => [s.name, s.autoStart, s.schedule, s.restartSchedule, s.scheduleTimezone]),
    [
      ['j', false, '@hourly', undefined, 'Europe/Berlin'],
      ['w', true, undefined, '0 4 * * *', undefined],
    ],
  );
});
