#!/usr/bin/env node
// Draws docs/bench-figures.svg from bench/out/figures.json: panels of
// horizontal bars (idle RSS with 10 services, one status round trip,
// restarts/s, start-up of 50 and shutdown of 10, `sleep` and shell-script
// services), dinit next to its floor and the peers measured in the same run.
// Plain SVG text, no image tools. Run by bench/run.mjs after a full run, or:
//   node bench/chart.mjs [figures.json] [out.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, root } from './lib.mjs';

const inFile = process.argv[2] ?? join(benchDir, 'out', 'figures.json');
const outFile = process.argv[3] ?? join(root, 'docs', 'bench-figures.svg');

export function panels(f) {
  const p = f.peers ?? {};
  const peer = (name, k) => (Number.isFinite(p[name]?.[k]) ? [[name, p[name][k]]] : []);
  return [
    {
      title: 'Idle RSS, 10 sleep services (MiB, lower is better)',
      bars: [['dinit', f.idle?.[10]], ['bare node (floor)', f.idle?.floorRss], ...peer('s6', 'rss'), ...peer('supervisord', 'rss'), ...peer('pm2', 'rss')],
    },
    {
      title: 'One status round trip, whole client process (ms, lower is better)',
      bars: [
        ['dinit status', f.control?.status],
        ['node -e 0 (floor)', f.control?.node],
        ['s6-svstat', p.s6?.status],
        ['supervisorctl status', p.supervisord?.status],
        ['pm2 jlist', p.pm2?.status],
      ],
    },
    {
      title: 'Restarts per second, a service that exits at once (higher is better)',
      bars: [['dinit', f.restart?.rate], ['dinit, bash crasher', f.restart?.bash?.rate], ...peer('pm2', 'rate'), ...peer('supervisord', 'rate'), ...peer('s6', 'rate')],
    },
    {
      title: 'Start-up, exec → 50 services running (ms, lower is better)',
      bars: [
        ['dinit, 50 sleep', f.startup?.flat],
        ['Node skeleton, 50 sleep', f.startup?.skeleton],
        ['dinit, 50 shell scripts', f.startup?.shell],
        ['Node skeleton, 50 shell', f.startup?.skeletonShell],
        ['bare node (floor)', f.startup?.floor],
      ],
    },
    {
      title: 'SIGTERM → PID 1 exited, 10 services (ms, lower is better)',
      bars: [
        ['dinit, 10 sleep', f.shutdown?.ms],
        ['dinit, 10 trapping shells', f.shutdown?.shell],
        ['tini -g, 10 trapping shells', f.shutdown?.tini],
      ],
    },
  ].map((x) => ({ ...x, bars: x.bars.filter(([, v]) => Number.isFinite(v)) }));
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function svg(f) {
  const W = 720;
  const label = 170;
  const barH = 18;
  const gap = 6;
  let y = 34;
  let body = `<text x="10" y="20" font-size="15" font-weight="bold">dinit vs. the floor and the peers (${esc(f.date?.slice(0, 10) ?? '')}, node ${esc(f.node ?? '')}, same machine, same run)</text>\n`;
  for (const panel of panels(f)) {
    body += `<text x="10" y="${y + 12}" font-size="13" font-weight="bold">${esc(panel.title)}</text>\n`;
    y += 20;
    const max = Math.max(...panel.bars.map(([, v]) => v), 1e-9);
    for (const [name, v] of panel.bars) {
      const w = Math.max(1, ((W - label - 80) * v) / max);
      const colour = name.startsWith('dinit') ? '#2b7bb9' : name.includes('floor') ? '#999' : '#e08a2c';
      body += `<text x="${label - 6}" y="${y + 13}" font-size="12" text-anchor="end">${esc(name)}</text>`;
      body += `<rect x="${label}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colour}"/>`;
      body += `<text x="${(label + w + 4).toFixed(1)}" y="${y + 13}" font-size="12">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>\n`;
      y += barH + gap;
    }
    y += 14;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}</svg>\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  writeFileSync(outFile, svg(JSON.parse(readFileSync(inFile, 'utf8'))));
  console.log(`chart: ${outFile}`);
}
