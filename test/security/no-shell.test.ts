// A command runs exactly the program and words the user wrote: a command
// string is split into words without a shell, so `;`, `$(…)`, backquotes,
// globs and variables are either refused at load time (when they look like
// shell syntax) or handed to the program literally — never executed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { out } from '../e2e/support.js';
import { startOwn } from '../fuzz/own-build.js';

test('shell operators in a command string are refused at load time, with a pointer to sh -c', () => {
  for (const cmd of ['echo a ; touch /tmp/x', 'echo $(touch /tmp/x)', 'echo `id`', 'a && b', 'a | b', 'a > /tmp/x']) {
    assert.throws(
      () => parseConfig(`services:\n  web:\n    command: ${JSON.stringify(cmd)}\n`, '/x/dinit.yaml', {}),
      (e: unknown) => e instanceof ConfigError && /shell syntax/.test(e.issues[0]?.message ?? '') && /sh, -c/.test(e.issues[0]?.hint ?? ''),
      cmd,
    );
  }
});

test('shell metacharacters that reach a program are passed to it literally, nothing is executed', async (t) => {
  const dir = makeTmpDir('dinit-sec-noshell-');
  const pwned = join(dir, 'pwned');
  const file = writeConfig(
    dir,
    `services:
  as-list:
    command: [printf, "%s|%s|%s\\n", "$(touch ${pwned})", "\`touch ${pwned}\`", "; touch ${pwned}"]
    restart: never
  as-string:
    command: printf '%s\\n' x;touch${'$'}{IFS}${pwned} "*" $HOME
    restart: never
`,
  );
  const d = await startOwn({ config: file, dir, t });
  await d.waitForLine(out('as-list', `\\$\\(touch ${dir}/pwned\\)\\|\`touch ${dir}/pwned\`\\|; touch ${dir}/pwned$`));
  // ${IFS} is dinit's own compose-style expansion (unset → empty); the rest reaches printf as written.
  await d.waitForLine(out('as-string', `x;touch${dir}/pwned$`));
  await d.waitForLine(out('as-string', '\\*$'));
  await d.waitForLine(out('as-string', '\\$HOME$'));
  await d.waitForLine(/^\[dinit\] as-string (stopped|exited)/);
  assert.equal(existsSync(pwned), false, 'a shell ran');
});
