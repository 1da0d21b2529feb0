// Run by cancel.test.ts in its own process: start one kind of probe against
// something that never becomes ready, cancel it, print `cancelled`, and then do
// nothing — the process must exit by itself, which proves cancel() left no
// timer, socket, pipe or child behind. Without arguments (e.g. when a test
// runner picks this file up) it does nothing.
//   node cancel-child.js KIND CLOSED_PORT PIDFILE
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realClock } from '../../src/core/clock.js';
import { host } from '../helpers/host.js';
import { prepareReadiness, startHealth, startReadiness, type Cancellable, type ProbeContext } from '../../src/runtime/probes/index.js';
import type { ProbeSpec } from '../../src/types.js';

const [kind, portArg, pidFile] = process.argv.slice(2);

async function main(kind: string): Promise<void> {
  const port = Number(portArg);
  const ctx: ProbeContext = { host, clock: realClock(), service: 'child', env: process.env as Record<string, string>, onLine: () => () => {} };
  const hang = ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`];
  const probes: Record<string, ProbeSpec> = {
    tcp: { kind: 'tcp', host: '127.0.0.1', port },
    http: { kind: 'http', url: `http://127.0.0.1:${port}/` },
    exec: { kind: 'exec', command: hang },
    log: { kind: 'log', pattern: 'never' },
    'notify-fd': { kind: 'notify-fd', fd: 3 },
    'notify-systemd': { kind: 'notify-systemd' },
  };
  const health = kind.startsWith('health-');
  const probe = probes[health ? kind.slice('health-'.length) : kind.replace(/-close$/, '')];
  if (!probe) throw new Error(`unknown kind ${kind}`);
  // Long interval and timeout: only cancel() can end the attempt in flight.
  const timing = { interval: 60_000, timeout: 60_000 };
  let handle: Cancellable | undefined;
  const noop = { onReady() {}, onFail() {}, onStatus() {}, onHealthy() {}, onUnhealthy() {} };
  if (health) {
    handle = startHealth({ probe, ...timing, retries: 3, startPeriod: 0 }, ctx, noop);
  } else {
    const spec = { probe, ...timing };
    const prep = await prepareReadiness(spec, 'child');
    if (probe.kind === 'notify-fd') {
      // A service that never writes its fd; unref'd so only the notify pipe could keep us alive.
      const svc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'ignore', ...prep.stdio], detached: true, env: { ...process.env, ...prep.env } });
      svc.unref();
      process.stdout.write(`service ${svc.pid}\n`);
      prep.attach(svc);
    }
    if (kind.endsWith('-close')) {
      prep.close(); // the spawn failed: the driver releases the prep without starting readiness
    } else {
      handle = startReadiness(spec, ctx, prep, noop);
    }
  }
  // Let the first attempt get under way (for exec: until its command runs) before cancelling.
  const until = performance.now() + 5000;
  do await new Promise((r) => setTimeout(r, 20));
  while (probe.kind === 'exec' && !existsSync(pidFile!) && performance.now() < until);
  handle?.cancel();
  process.stdout.write('cancelled\n');
}

if (kind) await main(kind);
