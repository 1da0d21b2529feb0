// The ProcessDriver over a fake ProcessHost and the fake clock: what it asks
// of the OS and what it tells the graph, for scripted process lives (dinit's
// proctests.cc style). No real process; each test runs in milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriverEvents } from '../../src/core/driver.js';
import { ProcessDriver } from '../../src/runtime/process-driver.js';
import type { ServiceConfig } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHost, settle } from '../helpers/fake-host.js';
import { svc } from '../helpers/service-config.js';
import { FakeLog } from './support.js';

/** What the graph heard, one string per call. */
class Heard implements DriverEvents {
  readonly calls: string[] = [];
  spawned(name: string, pid: number): void {
    this.calls.push(`spawned:${name}:${pid}`);
  }
  ready(name: string): void {
    this.calls.push(`ready:${name}`);
  }
  spawnedReady(batch: readonly { name: string; pid: number }[]): void {
    this.calls.push(`spawnedReady:${batch.map((b) => `${b.name}:${b.pid}`).join(',')}`);
  }
  exited(name: string, code: number | null, signal: NodeJS.Signals | null): void {
    this.calls.push(`exited:${name}:${code}:${signal}`);
  }
  startFailed(name: string, message: string, errno?: string): void {
    this.calls.push(`startFailed:${name}:${errno}:${message}`);
  }
  unhealthy(name: string, message: string): void {
    this.calls.push(`unhealthy:${name}:${message}`);
  }
}

function setup(mainConsole?: 'stdin' | 'terminal') {
  const host = new FakeHost();
  const clock = new FakeClock();
  const log = new FakeLog();
  const heard = new Heard();
  const driver = new ProcessDriver({ host, clock, output: log, environment: (s) => ({ ...s.environment }), ...(mainConsole ? { mainConsole } : {}) });
  driver.bind(heard);
  return { host, clock, log, heard, driver };
}

const proc = (name: string, over: Partial<ServiceConfig> = {}): ServiceConfig => svc(name, { command: [`svc-${name}`], ...over });

describe('process driver (fake host, fake clock)', () => {
  it('drops the exit of a process that was replaced: the graph only hears of the one it asked for', async () => {
    const { host, heard, driver } = setup();
    const a = proc('a');
    driver.start(a);
    await settle();
    const first = host.last('svc-a').pid;
    driver.start(a); // a new generation (the graph restarted it) before the old exit was seen
    await settle();
    const second = host.last('svc-a').pid;
    assert.notEqual(first, second);
    host.exit(first, 1);
    await settle();
    assert.ok(!heard.calls.some((c) => c.startsWith('exited:a')), `a stale exit reached the graph: ${heard.calls.join(' ')}`);
    host.exit(second, 3);
    await settle();
    assert.equal(heard.calls.at(-1), 'exited:a:3:null');
  });

  it('tells the graph of services with no readiness check as one batch', async () => {
    const { heard, driver } = setup();
    for (const n of ['a', 'b', 'c']) driver.start(proc(n));
    assert.deepEqual(heard.calls, [], 'nothing is reported from inside start()');
    await settle();
    assert.deepEqual(heard.calls, ['spawnedReady:a:100,b:101,c:102']);
  });

  it('runs a scripted service’s stop-command as its own child and reports its exit', async () => {
    const { host, heard, driver } = setup();
    const s = svc('db-init', { type: 'scripted', command: ['init-db'], stopCommand: ['drop-db', '--force'] });
    driver.start(s);
    await settle();
    host.exit(host.last('init-db').pid, 0);
    await settle();
    assert.deepEqual(heard.calls, ['spawned:db-init:100', 'exited:db-init:0:null']);
    host.take();
    driver.stop(s);
    await settle();
    assert.deepEqual(host.take(), ['spawn:drop-db --force']);
    host.exit(host.last('drop-db').pid, 0);
    await settle();
    assert.equal(heard.calls.at(-1), 'exited:db-init:0:null');
  });

  it('reports a stop-command that cannot be executed as an exit 127', async () => {
    const { host, heard, driver } = setup();
    const s = svc('job', { type: 'scripted', command: ['job'], stopCommand: ['undo-job'] });
    driver.start(s);
    await settle();
    host.exit(host.last('job').pid, 0);
    host.failExec.set('undo-job', 'ENOENT');
    driver.stop(s);
    await settle();
    assert.equal(heard.calls.at(-1), 'exited:job:127:null');
  });

  it('sweeps the session of a leader that died: stop-signal at once, SIGKILL to the same processes after stop-timeout', async () => {
    const { host, clock, driver } = setup();
    const s = proc('web', { stopSignal: 'SIGINT', stopTimeout: 3000 });
    driver.start(s);
    await settle();
    const leader = host.last('svc-web').pid;
    host.leftovers.set(leader, [{ pid: 4000, start: 77 }]);
    host.take();
    host.exit(leader, null, 'SIGKILL');
    assert.deepEqual(host.take(), [`sweep:${leader}:SIGINT`]);
    clock.advance(2999);
    assert.deepEqual(host.take(), []);
    clock.advance(1);
    assert.deepEqual(host.take(), ['kill-leftovers:4000']);
  });

  it('signals the group to stop, and the group and its strays to kill', async () => {
    const { host, driver } = setup();
    const s = proc('api', { stopSignal: 'SIGQUIT' });
    driver.start(s);
    await settle();
    const pid = host.last('svc-api').pid;
    host.take();
    driver.stop(s);
    driver.kill('api');
    assert.deepEqual(host.take(), [`group:${pid}:SIGQUIT`, `tree:${pid}:SIGKILL`]);
  });

  it('abandons a start still preparing its readiness channel when a stop comes: nothing is spawned', async () => {
    const { host, heard, driver } = setup();
    const s = proc('web', { ready: { probe: { kind: 'log', pattern: 'up' }, interval: 100, timeout: 1000 } });
    driver.start(s);
    driver.stop(s);
    await settle();
    assert.deepEqual(host.calls, []);
    assert.deepEqual(heard.calls, ['exited:web:null:null']);
  });

  it('reports an exec failure as startFailed with the errno, and no exit', async () => {
    const { host, heard, driver } = setup();
    host.failExec.set('svc-x', 'EACCES');
    driver.start(proc('x'));
    await settle();
    assert.deepEqual(heard.calls, ["startFailed:x:EACCES:cannot execute 'svc-x': EACCES"]);
  });

  it("gives dinit's terminal to main alone, never to another service or to main's stop-command", async () => {
    const { host, driver } = setup('terminal');
    driver.start(proc('shell', { main: true, type: 'scripted', stopCommand: ['svc-bye'] }));
    driver.start(proc('db'));
    await settle();
    assert.equal(host.last('svc-shell').req.console, 'terminal');
    assert.equal(host.last('svc-db').req.console, undefined);
    host.exit(host.last('svc-shell').pid, 0);
    await settle();
    driver.stop(proc('shell', { main: true, type: 'scripted', stopCommand: ['svc-bye'] }));
    await settle();
    assert.equal(host.last('svc-bye').req.console, undefined);
  });

  it('signals main alone while it has no group yet (with a terminal it makes its own after spawn)', async () => {
    const { host, driver } = setup('terminal');
    driver.start(proc('shell', { main: true }));
    await settle();
    const pid = host.last('svc-shell').pid;
    host.groupless.add(pid);
    host.take();
    assert.equal(driver.signal('shell', 'SIGINT'), true);
    assert.deepEqual(host.take(), [`group:${pid}:SIGINT`, `pid:${pid}:SIGINT`]);
    host.groupless.delete(pid);
    assert.equal(driver.signal('shell', 'SIGWINCH'), true);
    assert.deepEqual(host.take(), [`group:${pid}:SIGWINCH`], 'once the group exists, the group');
  });
});
