import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfigFile, parseConfig, shutdownBudget } from '../../src/config/index.js';
import { repoRoot } from '../helpers/paths.js';

test('the worst-case shutdown is the heaviest chain of stop-timeouts across dependency kinds', () => {
  const c = loadConfigFile(join(repoRoot, 'test', 'fixtures', 'configs', 'budget.yaml'), {});
  const b = shutdownBudget(c);
  assert.equal(b.worstMs, 18_000);
  assert.deepEqual(b.chain, ['web', 'api', 'db']);
  assert.equal(b.warnings.length, 1);
  assert.match(b.warnings[0] ?? '', /shutdown can take up to 18s but docker stop waits only 10s.*`docker stop -t 19`.*stop_grace_period: 19s.*lower stop-timeout of db, api, web/);
});

test('a plan longer than options.shutdown-timeout warns which timeouts to lower', () => {
  const c = parseConfig('services:\n  db: { command: [db], stop-timeout: 6s }\n  web: { command: [web], stop-timeout: 5s, depends-on: [db] }\n', '/x/d.yaml', {});
  const b = shutdownBudget(c);
  assert.equal(b.worstMs, 11_000);
  assert.deepEqual(b.warnings, [
    'an orderly stop can take up to 11s (stop-timeouts along web -> db), more than options.shutdown-timeout 9s; what still runs then is killed: lower stop-timeout of db, web, or raise options.shutdown-timeout to 11s',
  ]);
});

test('before edges count, and internal and finished scripted services take no time to stop', () => {
  const c = parseConfig(
    'services:\n  a: { command: [a], before: [b], stop-timeout: 5s }\n  b: { command: [b], stop-timeout: 5s }\n  g: { type: internal, depends-on: [a] }\n  s: { type: scripted, command: [s], depends-on: [g] }\n',
    '/x/d.yaml',
    {},
  );
  const b = shutdownBudget(c);
  assert.equal(b.worstMs, 10_000);
  assert.deepEqual(b.chain, ['b', 'a']);
  assert.deepEqual(b.warnings, [
    'an orderly stop can take up to 10s (stop-timeouts along b -> a), more than options.shutdown-timeout 9s; what still runs then is killed: lower stop-timeout of b, a, or raise options.shutdown-timeout to 10s',
  ]);
});

test('a config within both limits gives no warnings', () => {
  const b = shutdownBudget(parseConfig('services:\n  a: { command: [a] }\n', '/x/d.yaml', {}));
  assert.deepEqual(b, { worstMs: 3000, chain: ['a'], warnings: [] });
});
