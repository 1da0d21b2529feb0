// `dinit top` in a real terminal: tmux runs it in a pseudo-terminal, the test
// types keys (send-keys) and reads the screen (capture-pane).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startDinit, writeConfig, makeTmpDir, dinitBin, runCli, type DinitProcess } from '../helpers/dinit-process.js';
import { fixture, sh, waitStarted } from './support.js';

const haveTmux = spawnSync('tmux', ['-V']).status === 0;

class Tmux {
  private readonly server = `dinit-top-${process.pid}-${Math.random().toString(36).slice(2)}`;
  constructor(command: string, width = 110, height = 30) {
    this.run('new-session', '-d', '-s', 'top', '-x', String(width), '-y', String(height), command);
  }
  private run(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.server, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`);
    return r.stdout;
  }
  keys(...keys: string[]): void {
    this.run('send-keys', '-t', 'top', ...keys);
  }
  screen(): string {
    return this.run('capture-pane', '-p', '-t', 'top');
  }
  async waitFor(re: RegExp, what: string, d: DinitProcess, ms = 15_000): Promise<string> {
    const deadline = performance.now() + ms;
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (performance.now() > deadline) assert.fail(`screen never showed ${what} (${re}):\n${s}\n--- dinit:\n${d.dump()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  kill(): void {
    spawnSync('tmux', ['-L', this.server, 'kill-server']);
  }
}

test('dinit top shows every service live, selects with j/k, restarts with r, stops and starts with s, follows logs with l, quits with q', { skip: haveTmux ? false : 'tmux is not installed' }, async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  web:
    command: ${sh('i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done')}
  db:
    command: ${fixture('long-running.js', 'db')}
`,
  );
  const d = await startDinit({ config, dir, t });
  const web = await waitStarted(d, 'web');
  await waitStarted(d, 'db');
  const tty = new Tmux(`${process.execPath} ${dinitBin} top --socket ${d.socket}; echo EXIT=$?; sleep 60`);
  t.after(() => tty.kill());

  let s = await tty.waitFor(/^web\s+started\s+\d+\s+\S+\s+0\s+yes\s+-\s+[\d.]+%\s+[\d.]+[KM]iB/m, 'web started with CPU and RSS', d);
  assert.match(s, /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+READY\s+HEALTH\s+CPU\s+RSS$/m);
  assert.match(s, new RegExp(`^web\\s+started\\s+${web.pid}\\s`, 'm'));
  assert.match(s, /^db\s+started\s+\d+/m);
  await tty.waitFor(/── logs: web ─[\s\S]*^tick \d+$/m, "web's log lines in the pane", d);

  tty.keys('j');
  await tty.waitFor(/── logs: db ─/, 'db selected', d);
  tty.keys('k');
  await tty.waitFor(/── logs: web ─/, 'web selected again', d);

  const mark = d.mark();
  tty.keys('r');
  const again = await waitStarted(d, 'web', { from: mark });
  assert.notEqual(again.pid, web.pid);
  await tty.waitFor(new RegExp(`^web\\s+started\\s+${again.pid}\\s`, 'm'), "web's new pid", d);

  tty.keys('s');
  await tty.waitFor(/^web\s+stopped\s+-\s/m, 'web stopped', d);
  tty.keys('s');
  await tty.waitFor(/^web\s+started\s+\d+/m, 'web started again', d);

  tty.keys('l');
  await tty.waitFor(/── logs: web \(following\) ─/, 'the pane following', d);
  const lastTick = (screen: string): number => Math.max(...[...screen.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1])));
  const before = lastTick(await tty.waitFor(/^tick \d+$/m, 'a tick', d));
  await tty.waitFor(new RegExp(`^tick ${before + 2}$`, 'm'), 'new lines arriving while following', d);

  tty.keys('q');
  s = await tty.waitFor(/^EXIT=0$/m, 'top to exit 0', d);
  // The alternate screen is given back: the table is gone.
  assert.doesNotMatch(s, /^NAME\s+STATE/m);
});

test('dinit top without a terminal refuses with a hint and exits 2', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  db:\n    command: ${fixture('long-running.js', 'db')}\n`);
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'db');
  const r = await runCli(['top', '--socket', d.socket], { env: { ...process.env }, cwd: dir, timeoutMs: 10_000, bin: dinitBin });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /dinit top needs a terminal: run it with `docker exec -it CTR dinit top`/);
});
