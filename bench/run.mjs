#!/usr/bin/env node
// `npm run bench`: every scenario of issue 6, dinit as PID 1 of a new PID
// namespace, each figure next to a baseline measured in the same run
// (alternating runs, medians), then the peers where installed. Prints one line
// per figure, writes bench/out/figures.json and regenerates the chart
// docs/bench-figures.svg. Figures are measurements, never assertions.
//
//   npm run bench [-- --quick] [--only a,b] [--runs N] [--entry FILE] [--node-flags "..."] [--no-chart]
// --entry: the JS file run as dinit (default bin/dinit.cjs → dist/lib; build first).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { output, reaping, restart, shutdown } from './dynamics.mjs';
import { control, idle, scale, startup } from './footprint.mjs';
import { peers } from './peers.mjs';
import { svg } from './chart.mjs';
import { benchDir, now, results, root, settings, which } from './lib.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    entry: { type: 'string' },
    'node-flags': { type: 'string' },
    'no-chart': { type: 'boolean', default: false },
  },
});
if (values.entry) settings.entry = values.entry;
if (values['node-flags']) settings.nodeFlags = values['node-flags'].split(/\s+/).filter(Boolean);
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 3 : 5));
const SCENARIOS = ['idle', 'start-up', 'restart', 'reaping', 'output', 'shutdown', 'control', 'scale', 'peers'];
const only = new Set(values.only ? values.only.split(',') : SCENARIOS);
for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (one of ${SCENARIOS.join(', ')})`);
if (!which('unshare')) throw new Error('unshare (util-linux) is needed: every scenario runs dinit as PID 1 of a new PID namespace');
if (process.getuid?.() !== 0) throw new Error('run as root: unshare --pid needs it');

const t0 = now();
const figures = { quick, runs, node: process.version, date: new Date().toISOString() };
console.log(`dinit bench: ${quick ? 'quick, ' : ''}${runs} runs per figure (medians), node ${process.version}, entry ${settings.entry}${settings.nodeFlags.length ? ' ' + settings.nodeFlags.join(' ') : ''}`);
if (only.has('idle')) figures.idle = await idle({ runs, sizes: [10, quick ? 100 : 200] });
if (only.has('start-up')) figures.startup = await startup({ runs });
if (only.has('restart')) figures.restart = await restart({ runs, windowMs: quick ? 1000 : 2000 });
if (only.has('reaping')) figures.reaping = await reaping({ runs });
if (only.has('output')) figures.output = await output({ runs, mib: quick ? 50 : 200 });
if (only.has('shutdown')) figures.shutdown = await shutdown({ runs });
if (only.has('control')) figures.control = await control({ runs });
if (only.has('scale')) figures.scale = await scale({ runs: quick ? 1 : Math.min(runs, 3), big: quick ? 300 : 1000 });
if (only.has('peers')) figures.peers = await peers({ runs: quick ? 1 : 3 });

figures.results = results;
mkdirSync(join(benchDir, 'out'), { recursive: true });
writeFileSync(join(benchDir, 'out', 'figures.json'), JSON.stringify(figures, null, 2) + '\n');
if (!values['no-chart'] && !values.only) {
  writeFileSync(join(root, 'docs', 'bench-figures.svg'), svg(figures));
  console.log('chart: docs/bench-figures.svg');
}
console.log(`done in ${((now() - t0) / 1000).toFixed(0)} s; figures in bench/out/figures.json`);
