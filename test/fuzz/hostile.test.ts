// The hostile-input corpus (hostile-corpus.ts) through the real `dinit check`:
// each is refused with exit 2 and a located message, never a stack trace, a
// RangeError, an out-of-memory or a hang. Plus the expansion-bomb shape as a
// property: env-files whose lines refer to earlier ones any number of times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { runCli } from '../helpers/dinit-process.js';
import { checkOutcome } from './config-cases.js';
import { fuzzParams } from './fuzz-support.js';
import { HOSTILE_CASES } from './hostile-corpus.js';

for (const c of HOSTILE_CASES) {
  test(`hostile input: ${c.name} is refused with a located error, exit 2`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-hostile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { config, env } = c.build(dir);
    const r = await runCli(['check', '-c', config], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', ...env }, timeoutMs: 30_000 });
    const text = r.stdout + r.stderr;
    assert.equal(r.code, 2, text.slice(0, 2000));
    assert.match(text, c.expect);
    assert.doesNotMatch(text, /internal error|RangeError|\n\s+at /, 'no stack trace');
  });
}

test('env-files whose lines expand earlier variables any number of times load or fail located, never crash', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = join(dir, 'chain.env');
  const line = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), fc.constantFrom('', ':-', '-'));
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.array(line, { minLength: 1, maxLength: 40 }), (seed, lines) => {
      const text = [`V0=${seed.replace(/[\n\r]/g, '')}`, ...lines.map(([k, refs, op]) => `V${k}=${refs.map((r) => (op ? `\${NOPE${op}\${V${r}}}` : `\${V${r}}`)).join('')}`)].join('\n');
      writeFileSync(envFile, text);
      checkOutcome(`env-file: ${envFile}\nservices:\n  a: { command: [sleep, "1"] }\n`, join(dir, 'dinit.yaml'));
    }),
    fuzzParams(200),
  );
});
