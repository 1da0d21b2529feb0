// Figures for the README and the closing note, measured in the real
// engine (run alone, after the functional suite, so timings are not shared
// with other containers): image sizes, `docker run` → demo ready, `docker
// stop`, `docker exec dinit status` next to `docker exec true`, and dinit's
// resident memory as PID 1 (VmRSS from /proc: `docker stats` under-reports
// Node). Printed as test diagnostics and written to $DINIT_FIGURES as JSON.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { docker, dockerOk, IMAGES, remove, runDetached, skip, uniqueName, waitForLog, waitStarted } from './docker.js';

const containers: string[] = [];
const figures: Record<string, unknown> = {};
after(async () => {
  await Promise.all(containers.map(remove));
  if (process.env.DINIT_FIGURES && Object.keys(figures).length > 0) writeFileSync(process.env.DINIT_FIGURES, JSON.stringify(figures, null, 2) + '\n');
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round(performance.now() - t0);
}

describe('figures', { skip }, () => {
  it('image sizes', async (t) => {
    const size = async (img: string): Promise<number> => Number((await dockerOk(['image', 'inspect', '-f', '{{.Size}}', img])).trim());
    const image = await size(IMAGES.image);
    const bundle = await size(IMAGES.bundle);
    const parent = await docker(['image', 'inspect', '-f', '{{.Size}}', process.env.BASE ?? 'local/node-base:20']);
    const base = parent.code === 0 ? Number(parent.stdout.trim()) : NaN;
    const du = await dockerOk(['run', '--rm', '--entrypoint', 'du', IMAGES.noNode, '-sk', '/opt/dinit/lib', '/opt/dinit/node']);
    const [lib, node] = du
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split('\t')[0]) * 1024);
    figures.imageSizesMiB = { image: mib(image), base: mib(base), addedToBase: mib(image - base), bundle: mib(bundle), bundleLib: mib(lib ?? NaN), bundleNode: mib(node ?? NaN) };
    t.diagnostic(`sizes (MiB): ${JSON.stringify(figures.imageSizesMiB)}`);
    assert.ok(image > 0 && bundle > 0);
  });

  it('docker run → demo ready, docker stop, exec status vs exec true, VmRSS of PID 1', async (t) => {
    const ready: number[] = [];
    const readyInside: number[] = [];
    const stop: number[] = [];
    let rssKiB = 0;
    let statusMs: number[] = [];
    let trueMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const name = uniqueName('figures');
      containers.push(name);
      const t0 = performance.now();
      await runDetached(name, [], IMAGES.image);
      await waitForLog(name, /\[dinit\] all started/);
      ready.push(Math.round(performance.now() - t0));
      // The same, from the engine's own clocks: container start → the log line's timestamp.
      const started = Date.parse((await dockerOk(['inspect', '-f', '{{.State.StartedAt}}', name])).trim());
      const stamped = (await dockerOk(['logs', '-t', name])).split('\n').find((l) => l.includes('[dinit] all started'));
      if (stamped) readyInside.push(Math.round(Date.parse(stamped.split(' ')[0]!) - started));
      if (round === 0) {
        await waitStarted(name, ['db', 'api', 'worker', 'all']);
        for (let i = 0; i < 10; i++) {
          statusMs.push(await timed(() => dockerOk(['exec', name, 'dinit', 'status'])));
          trueMs.push(await timed(() => dockerOk(['exec', name, 'true'])));
        }
        const st = await dockerOk(['exec', name, 'cat', '/proc/1/status']);
        rssKiB = Number(/VmRSS:\s+(\d+)/.exec(st)?.[1]);
      }
      stop.push(await timed(() => dockerOk(['stop', '-t', '10', name], { timeoutMs: 20_000 })));
    }
    statusMs = statusMs.sort((a, b) => a - b);
    trueMs = trueMs.sort((a, b) => a - b);
    Object.assign(figures, {
      runToReadyMs: { median: median(ready), runs: ready, fromContainerStart: readyInside },
      dockerStopMs: { median: median(stop), runs: stop },
      execStatusMs: { median: median(statusMs), min: statusMs[0] },
      execTrueMs: { median: median(trueMs), min: trueMs[0] },
      pid1VmRSSMiB: mib(rssKiB * 1024),
    });
    for (const k of ['runToReadyMs', 'dockerStopMs', 'execStatusMs', 'execTrueMs', 'pid1VmRSSMiB']) t.diagnostic(`${k}: ${JSON.stringify(figures[k])}`);
    assert.ok(median(stop) < 10_000, 'docker stop fits in the grace period');
    assert.ok(rssKiB > 0);
  });
});
