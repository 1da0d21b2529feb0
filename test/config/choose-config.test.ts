// Which config file runs, and why: -c, else $DINIT_CONFIG, else ./dinit.yaml,
// else /etc/dinit.yaml; when ./dinit.yaml hides an existing /etc/dinit.yaml the
// message says which wins and how to run the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseConfig, describeShadowing } from '../../src/config/load.js';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';

function dirs(t: { after(fn: () => void): void }): { cwd: string; system: string } {
  const root = mkdtempSync(join(tmpdir(), 'dinit-choose-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { cwd: root, system: join(root, 'etc-dinit.yaml') };
}

test('-c beats $DINIT_CONFIG, which beats ./dinit.yaml, which beats /etc/dinit.yaml', (t) => {
  const { cwd, system } = dirs(t);
  writeFileSync(join(cwd, 'dinit.yaml'), '');
  writeFileSync(system, '');
  assert.deepEqual(chooseConfig('a.yaml', { DINIT_CONFIG: 'b.yaml' }, cwd, system), { file: join(cwd, 'a.yaml'), why: 'given with -c' });
  assert.deepEqual(chooseConfig(undefined, { DINIT_CONFIG: 'b.yaml' }, cwd, system), { file: join(cwd, 'b.yaml'), why: 'from $DINIT_CONFIG' });
  assert.equal(chooseConfig(undefined, {}, cwd, system).file, join(cwd, 'dinit.yaml'));
  rmSync(join(cwd, 'dinit.yaml'));
  assert.deepEqual(chooseConfig(undefined, {}, cwd, system), { file: system, why: 'the default' });
});

test('a ./dinit.yaml that hides an existing /etc/dinit.yaml is said, with how to run the other one', (t) => {
  const { cwd, system } = dirs(t);
  writeFileSync(join(cwd, 'dinit.yaml'), '');
  assert.equal(describeShadowing(chooseConfig(undefined, {}, cwd, system)), null, 'nothing hidden: nothing to say');
  writeFileSync(system, '');
  const text = describeShadowing(chooseConfig(undefined, {}, cwd, system));
  assert.equal(
    text,
    `${join(cwd, 'dinit.yaml')} (dinit.yaml in the working directory) wins over ${system}, which is ignored: ./dinit.yaml comes first; use -c ${system} or DINIT_CONFIG=${system} to run that one`,
  );
  assert.equal(describeShadowing(chooseConfig('x.yaml', {}, cwd, system)), null, 'an explicit choice hides nothing by surprise');
});

test("dinit's first event line names the config file it loaded and its service count", async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, 'services:\n  a: { command: [sleep, "300"] }\n  b: { command: [sleep, "300"] }\n');
  const d = await startDinit({ t, dir, config });
  await d.waitForLine(/\[dinit\] b started/, { timeoutMs: 10000 });
  assert.equal(d.lines()[0], `[dinit] config ${config}: 2 services`, d.dump());
});
