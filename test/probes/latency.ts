// How long after a service's readiness condition becomes true dinit notices,
// per probe kind: the figure behind the README's advice on `interval`.
// Polling kinds (tcp, http, exec) are measured in-process: the condition is
// made true at a random moment in the polling cycle. Push kinds (log, notify fd,
// notify systemd) use the real fixture programs, which print the moment they
// act (`--stamp`); both sides read the same wall clock (timeOrigin + now).
//   node .build/probes/test/probes/latency.js --measure [--interval MS] [--reps N]
// Without --measure (e.g. when a test runner picks this file up) it does nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareReadiness, startReadiness } from '../../src/runtime/probes/index.js';
import type { ProbeSpec, ReadySpec } from '../../src/types.js';
import { fixtureBin } from '../helpers/paths.js';
import { bareContext, freePort, withDeadline } from './support.js';

export type LatencyKind = 'tcp' | 'http' | 'exec' | 'log' | 'notify-fd' | 'notify-systemd';
const wall = (): number => performance.timeOrigin + performance.now();

function listen(srv: Server | HttpServer, port: number): Promise<void> {
  return new Promise((r) => srv.listen(port, '127.0.0.1', () => r()));
}

/** One trial: ms from the condition becoming true to onReady. */
export async function measureOnce(kind: LatencyKind, interval: number): Promise<number> {
  const timeout = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'dinit-latency-'));
  const cleanup: (() => void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    if (kind === 'tcp' || kind === 'http' || kind === 'exec') {
      const port = await freePort();
      const flag = join(dir, 'up');
      const probe: ProbeSpec = kind === 'tcp' ? { kind: 'tcp', host: '127.0.0.1', port } : kind === 'http' ? { kind: 'http', url: `http://127.0.0.1:${port}/` } : { kind: 'exec', command: ['test', '-f', flag] };
      const spec: ReadySpec = { probe, interval, timeout };
      let readyAt = 0;
      const ready = new Promise<void>((resolve) => {
        const h = startReadiness(
          spec,
          bareContext(),
          { env: {}, stdio: [], attach() {}, close() {} },
          {
            onReady: () => {
              readyAt = wall();
              resolve();
            },
            onFail: () => {},
          },
        );
        cleanup.push(() => h.cancel());
      });
      await new Promise((r) => setTimeout(r, 20 + Math.random() * interval)); // a random phase of the cycle
      const trueAt = wall();
      if (kind === 'exec') writeFileSync(flag, '');
      else {
        const srv = kind === 'tcp' ? createServer((s) => s.end()) : createHttpServer((_, res) => res.end('ok'));
        await listen(srv, port);
        cleanup.push(() => srv.close());
      }
      await withDeadline(ready, interval + timeout + 20_000, `${kind} ready`);
      return readyAt - trueAt;
    }
    const spec: ReadySpec = {
      probe: kind === 'log' ? { kind: 'log', pattern: '^ready now$' } : kind === 'notify-fd' ? { kind: 'notify-fd', fd: 3 } : { kind: 'notify-systemd' },
      interval,
      timeout,
    };
    const prep = await prepareReadiness(spec, 'latency');
    cleanup.push(() => prep.close());
    const fixture = kind === 'log' ? 'ready-line.js' : kind === 'notify-fd' ? 'notify-fd.js' : 'notify-systemd.js';
    const args = ['--delay', '100', '--stamp', ...(kind === 'log' ? ['--line', 'ready now'] : [])];
    const child = spawn(process.execPath, [fixtureBin(fixture), ...args], {
      env: { ...process.env, ...prep.env },
      stdio: ['ignore', 'pipe', 'inherit', ...prep.stdio],
    });
    cleanup.push(() => child.kill('SIGKILL'));
    prep.attach(child);
    const subs = new Set<(l: string) => void>();
    let stamp = 0;
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('stamp ')) stamp = Number(line.slice(6));
        for (const s of subs) s(line);
      }
    });
    const ctx = { ...bareContext(), onLine: (cb: (l: string) => void) => (subs.add(cb), () => subs.delete(cb)) };
    let readyAt = 0;
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        const h = startReadiness(spec, ctx, prep, { onReady: () => ((readyAt = wall()), resolve()), onFail: (m) => reject(new Error(m)) });
        cleanup.push(() => h.cancel());
      }),
      20_000,
      `${kind} ready`,
    );
    // The stamp line may still be in the stdout pipe when the notify arrives.
    if (!stamp) await withDeadline(new Promise<void>((r) => subs.add((l) => l.startsWith('stamp ') && r())), 20_000, 'stamp');
    return readyAt - stamp;
  } finally {
    for (const c of cleanup.reverse()) c();
  }
}

export interface LatencyFigures {
  kind: LatencyKind;
  interval: number;
  mean: number;
  max: number;
  samples: number[];
}

export async function measure(kind: LatencyKind, interval: number, reps: number): Promise<LatencyFigures> {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await measureOnce(kind, interval));
  return { kind, interval, samples, mean: samples.reduce((a, b) => a + b, 0) / reps, max: Math.max(...samples) };
}

const { values } = parseArgs({
  strict: false,
  options: { measure: { type: 'boolean' }, interval: { type: 'string' }, reps: { type: 'string' } },
});
if (values.measure) {
  const reps = Number(values.reps ?? 10);
  const intervals = values.interval ? [Number(values.interval)] : [100, 1000];
  for (const kind of ['tcp', 'http', 'exec', 'log', 'notify-fd', 'notify-systemd'] as LatencyKind[]) {
    for (const interval of kind === 'tcp' || kind === 'http' || kind === 'exec' ? intervals : [intervals[0]!]) {
      const f = await measure(kind, interval, reps);
      const polled = ['tcp', 'http', 'exec'].includes(kind);
      console.log(`${kind.padEnd(15)} ${polled ? `interval ${String(interval).padStart(5)}ms` : 'push          '}  mean ${f.mean.toFixed(1).padStart(7)}ms  max ${f.max.toFixed(1).padStart(7)}ms  (n=${reps})`);
    }
  }
}
