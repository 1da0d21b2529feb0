// Config fuzzing: whatever bytes dinit.yaml holds, loading it either yields a
// config that satisfies the graph invariants or a ConfigError whose every
// issue names a line and column inside the file — never a TypeError, a
// RangeError or a hang. Cases come from fast-check (seed printed on failure,
// replay with FUZZ_SEED=…) and from mutating every config shipped in the repo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { repoRoot } from '../helpers/paths.js';
import { ConfigError } from '../../src/errors.js';
import { anyText, checkOutcome, mutate, mutation, readText, structuredConfig, yamlishText } from './config-cases.js';
import { fuzzParams } from './fuzz-support.js';

const FILE = '/fuzz/dinit.yaml';

/** Every config file shipped with the repo: the examples, the test fixtures, the demo. */
function shippedConfigs(): string[] {
  const out = [join(repoRoot, 'dinit.yaml')];
  for (const d of readdirSync(join(repoRoot, 'examples'), { withFileTypes: true })) {
    if (d.isDirectory() && readdirSync(join(repoRoot, 'examples', d.name)).includes('dinit.yaml')) out.push(join(repoRoot, 'examples', d.name, 'dinit.yaml'));
  }
  const fixtures = join(repoRoot, 'test', 'fixtures', 'configs');
  for (const f of readdirSync(fixtures)) if (f.endsWith('.yaml')) out.push(join(fixtures, f));
  return out;
}

test('arbitrary text, bytes and unicode never make the loader throw anything but a located ConfigError', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      checkOutcome(text, FILE);
    }),
    fuzzParams(400),
  );
});

test('YAML-shaped noise (indents, anchors, tags, flow collections) is rejected with located issues, never a crash', () => {
  fc.assert(
    fc.property(yamlishText, (text) => {
      checkOutcome(text, FILE);
    }),
    fuzzParams(400),
  );
});

test('structured configs built from the key table load into a valid graph or fail with located issues', () => {
  let accepted = 0;
  fc.assert(
    fc.property(structuredConfig, (text) => {
      if (!(checkOutcome(text, FILE) instanceof ConfigError)) accepted++;
    }),
    fuzzParams(400),
  );
  // The generator is only useful if some cases get all the way through.
  assert.ok(accepted > 0, 'no generated config was valid: the generator is too wild');
});

for (const file of shippedConfigs()) {
  const name = file.slice(repoRoot.length + 1);
  test(`mutations of ${name} (renamed keys, swapped values, deletions, duplications, truncation, bytes) never crash the loader`, () => {
    const text = readText(file);
    // Parse where the file lives, so env-files and relative paths resolve as they would for real.
    const as = join(dirname(file), 'fuzzed.yaml');
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        checkOutcome(mutate(text, muts), as);
      }),
      fuzzParams(120),
    );
  });
}

test('a dependency chain thousands of services deep is checked without exhausting the stack', () => {
  const n = 3_000;
  const lines = ['services:'];
  for (let i = 0; i < n; i++) lines.push(`  s${i}: { command: [sleep, "1"], depends-on: [s${i + 1 < n ? i + 1 : 0}] }`);
  const out = checkOutcome(lines.join('\n'), FILE);
  assert.ok(out instanceof ConfigError);
  assert.match(out.issues[0]?.message ?? '', /dependency cycle: s0 -> s1 -> s2 /);
  lines[lines.length - 1] = `  s${n - 1}: { command: [sleep, "1"] }`;
  const ok = checkOutcome(lines.join('\n'), FILE);
  assert.ok(!(ok instanceof ConfigError), 'a long acyclic chain is valid');
});

test('an alias bomb (billion laughs) and self-referencing merges are refused quickly, not expanded', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++)
    bomb.push(
      `${'abcdefghijklmnop'[i]}: &${'abcdefghijklmnop'[i]} [${Array(10)
        .fill(`*${'abcdefghijklmnop'[i - 1]}`)
        .join(',')}]`,
    );
  bomb.push('services:', '  web: { command: *l }');
  const started = performance.now();
  checkOutcome(bomb.join('\n'), FILE);
  checkOutcome('services: &s\n  web:\n    <<: *s\n    command: [a]\n', FILE);
  checkOutcome('x: &m { <<: *m }\nservices: { web: { <<: *m, command: [a] } }\n', FILE);
  // A deadline, not a speed target: expanded, the bomb is 10^12 nodes and never ends; refused, it is milliseconds.
  assert.ok(performance.now() - started < 30_000, 'took too long: the aliases were expanded');
});

test('a duration longer than a timer can hold (about 24 days) is refused with its position, not turned into "at once"', () => {
  const out = checkOutcome('services:\n  web:\n    command: [sleep, "1"]\n    stop-timeout: 1000h\n', FILE);
  assert.ok(out instanceof ConfigError);
  assert.deepEqual(
    out.issues.map((i) => `${i.pos.line}:${i.pos.col} ${i.message}`),
    ['4:19 services.web.stop-timeout: "1000h" is too long: the longest duration is 596h (about 24 days)'],
  );
  const inf = checkOutcome(`services:\n  web: { command: [a], restart-delay: ${'9'.repeat(400)} }\n`, FILE);
  assert.ok(inf instanceof ConfigError, 'an infinite number of seconds is refused');
  assert.ok(!(checkOutcome('services:\n  web: { command: [a], stop-timeout: 596h }\n', FILE) instanceof ConfigError));
});
