// `main` is the interactive job of the container, as under tini: it gets
// dinit's stdin (`docker run -i`), and with a terminal (`docker run -it`) it is
// the terminal's foreground process group in dinit's session, so what is typed
// reaches it, Ctrl-C / Ctrl-Z / job control work, SIGWINCH reaches it, and
// `exit N` makes dinit exit N. Every other service keeps /dev/null as stdin.
// The terminal is a real pty (tmux), with dinit really PID 1 of a new PID namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dinitBin, isAlive, makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { haveTmux, TmuxSession } from '../helpers/tmux.js';
import { out, waitStarted } from './support.js';

const noTmux = haveTmux() ? false : 'tmux is not installed';

/** dinit as PID 1 of a new PID namespace, in a new pty, with `cmd` as main. */
function interactive(t: { after(fn: () => unknown): void }, main: string, extraArgs = ''): { tty: TmuxSession; dinitPid: () => number | undefined } {
  const dir = makeTmpDir();
  const line = `cd ${dir} && NO_COLOR=1 PS1='prompt> ' unshare --pid --fork --mount-proc ${process.execPath} ${dinitBin} run --socket ${dir}/dinit.sock ${extraArgs} -- ${main}`;
  const tty = new TmuxSession(line, dir);
  const dinitPid = (): number | undefined =>
    tty.descendant((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(`${process.execPath}\0${dinitBin}`);
      } catch {
        return false;
      }
    });
  t.after(() => {
    const pid = dinitPid();
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL'); // PID 1 of its namespace: takes every service with it
    tty.close();
  });
  return { tty, dinitPid };
}

test("an interactive shell as main: typed commands run, Ctrl-C interrupts its job, Ctrl-Z stops one, exit N is dinit's code", { skip: noTmux }, async (t) => {
  const { tty } = interactive(t, 'bash --norc --noprofile -i');
  await tty.waitFor(/^prompt>/m);
  tty.type('echo "job control: $(set -o | grep -w monitor)"; echo sum-$((6*7))');
  await tty.waitFor(/^sum-42$/m);
  assert.match(tty.screen(), /job control: monitor\s+on/, 'bash has job control: it owns the terminal');
  assert.doesNotMatch(tty.screen(), /no job control|cannot set terminal process group/);
  tty.type('sleep 300');
  await tty.waitFor(/^prompt> sleep 300/m);
  tty.send('C-c');
  await tty.waitFor(/^\^C$/m);
  tty.type('echo after-sleep-$?');
  await tty.waitFor(/^after-sleep-130$/m); // the foreground job got SIGINT from the terminal, the shell lives on
  tty.type('sleep 301');
  await tty.waitFor(/^prompt> sleep 301/m);
  tty.send('C-z');
  await tty.waitFor(/Stopped\s+sleep 301/);
  // Until bash has collected the killed job it still lists it as stopped, and an `exit` then is
  // refused ("There are stopped jobs"): the shell lived on, one run in fifteen. Wait for the table.
  tty.type('kill -KILL %1; while jobs %1 >/dev/null 2>&1; do sleep 0.05; done; echo still-here');
  await tty.waitFor(/^still-here$/m);
  tty.type('exit 7');
  assert.equal(await tty.exitCode(), 7, tty.screen());
  assert.match(tty.screen(), /\[dinit\] exiting with code 7/);
});

test('SIGWINCH from a terminal resize reaches main', { skip: noTmux }, async (t) => {
  const { tty } = interactive(t, `sh -c 'trap "echo winch \\$(stty size)" WINCH; echo waiting; while :; do sleep 0.1; done'`);
  await tty.waitFor(/^waiting$/m);
  tty.resize(100, 30);
  await tty.waitFor(/^winch 30 100$/m);
});

test('with a terminal, SIGINT to dinit goes to main first: an interactive job exits 130 and dinit with it', { skip: noTmux }, async (t) => {
  const { tty, dinitPid } = interactive(t, `sh -c 'echo ready; exec sleep 300'`);
  await tty.waitFor(/^ready$/m);
  const pid = dinitPid();
  assert.ok(pid !== undefined, tty.screen());
  process.kill(pid, 'SIGINT');
  assert.equal(await tty.exitCode(), 130, tty.screen());
  assert.match(tty.screen(), /main killed by SIGINT/);
});

test('piped stdin reaches main; other services read /dev/null', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  side:\n    command: [sh, -c, 'if read line; then echo "side read: $line"; else echo "side read nothing"; fi; exec sleep 300']\n`);
  const d = await startDinit({ t, dir, config, stdin: 'echo piped-$((1+1))\nexit 3\n', command: ['sh'] });
  await waitStarted(d, 'side');
  await d.waitForLine(out('main', 'piped-2'), { timeoutMs: 10000 });
  assert.deepEqual(await d.exited(10000), { code: 3, signal: null }, d.dump());
  assert.ok(
    d.lines().some((l) => /side\s+\| side read nothing/.test(l)),
    d.dump(),
  );
});
