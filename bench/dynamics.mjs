// Restart, reaping, output and shutdown: the scenarios where something moves.
//
// restart: one service `date +%s%N` (prints the wall clock in ns, exits at
//   once), restart-delay 0, no practical limit. The gaps between consecutive
//   stamps are dinit's respawn cycle; the same program in a shell loop
//   (`while :; do date; done`) is the floor of any respawn (fork+exec+wait),
//   so latency = median gap − median floor gap: what dinit adds from the exit
//   of one process to the exec of the next.
// reaping: bench/fixtures/orphans.mjs makes 1000 subshells, orphans of PID 1,
//   that all exit the moment it exits; the moment is stamped (hrtime, the
//   same monotonic clock as ours) and PID 1's children are then counted from
//   the host's /proc in a tight loop until only the main process is left.
// output: `yes LINE | head -c 200MiB` (100-byte lines) through dinit's
//   prefixer, against tini passing it through; bench/fixtures/count-lines.mjs
//   reads it, checks every line whole, and stamps first and last byte.
// shutdown: SIGTERM to PID 1 → the namespace's PID 1 has exited.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childCount, commOf, descendants, dinitArgv, fixture, median, now, report, rmTmp, servicesYaml, sleep, startDinit, startPid1, tmp, which, writeConfig } from './lib.mjs';

function stampGaps(text, re) {
  const ts = [];
  for (const m of text.matchAll(re)) ts.push(Number(BigInt(m[1]) / 1000n) / 1000);
  const gaps = [];
  for (let i = 1; i < ts.length; i++) gaps.push(ts[i] - ts[i - 1]);
  return { count: ts.length, span: ts.length > 1 ? ts[ts.length - 1] - ts[0] : NaN, gap: median(gaps) };
}

export async function restart({ runs, windowMs }) {
  const floor = [];
  const cyc = [];
  const rate = [];
  const yaml = servicesYaml(1, {
    command: ['date', '+%s%N'],
    extra: '    restart: always\n    restart-delay: 0ms\n    restart-limit: { count: 100000000, interval: 1s }\n',
  }).replace(/ {2}all:[\s\S]*$/, '');
  for (let i = 0; i < runs; i++) {
    const sh = startPid1(['sh', '-c', 'while :; do date +%s%N; done']);
    await sleep(windowMs);
    await sh.stop('SIGKILL');
    floor.push(stampGaps(sh.text(), /^(\d{19})$/gm).gap);
    const dir = tmp();
    try {
      const p = startPid1(dinitArgv(['run', '-c', writeConfig(dir, yaml), '--socket', join(dir, 'sock')]));
      await p.waitFor(/s0\s*\| \d{19}/);
      await sleep(windowMs);
      await p.stop();
      const g = stampGaps(p.text(), /^s0\s*\| (\d{19})$/gm);
      cyc.push(g.gap);
      rate.push(((g.count - 1) / g.span) * 1000);
    } finally {
      rmTmp(dir);
    }
  }
  const f = median(floor);
  const c = median(cyc);
  const r = median(rate);
  const lat = c - f;
  report({ scenario: 'restart', figure: 'restarts/s, restart-delay 0', value: r, unit: '/s', target: '≥ 300', met: r >= 300 });
  report({ scenario: 'restart', figure: 'exit → respawn latency (median)', value: lat, unit: 'ms', target: '≤ 3 ms', met: lat <= 3, note: `(cycle ${c.toFixed(2)} ms − shell-loop cycle ${f.toFixed(2)} ms)` });
  return { rate: r, latency: lat, cycle: c, floorCycle: f };
}

/** One reaping run under `init` (argv prefix that takes `-- CMD...`). */
/** An init's argv, or a function of the run's private directory (for dinit's socket: concurrent runs must not share one). */
const argvIn = (initArgv, dir) => (typeof initArgv === 'function' ? initArgv(dir) : initArgv);

async function reapOnce(initArgv, n) {
  const dir = tmp();
  try {
    const go = join(dir, 'go');
    const stampFile = join(dir, 'stamp');
    const cmd = `${process.execPath} ${fixture('orphans.mjs')} ${n} ${go} ${stampFile}; exec sleep 100000`;
    const p = startPid1([...argvIn(initArgv, dir), '--', 'sh', '-c', cmd], { cwd: dir });
    await p.waitFor(/orphans armed/);
    const pid1 = await p.pid1();
    await sleep(200);
    // PID 1's own children (main; a Node-based init may have helpers): all but the n armed orphans.
    const base = childCount(pid1) - n;
    const t0 = now();
    readFileSync('/proc/self/stat'); // warm
    (await import('node:fs')).writeFileSync(go, '');
    // Tight loop: count PID 1's children until only main is left (or 5 s).
    let zeroAt = NaN;
    let at1s = NaN;
    let stamp = NaN;
    const end = t0 + 6000;
    for (;;) {
      const t = now();
      if (t > end) break;
      const c = childCount(pid1) - base;
      if (Number.isNaN(stamp)) {
        try {
          const s = readFileSync(stampFile, 'utf8');
          if (s.endsWith('\n')) stamp = Number(BigInt(s.trim()) / 1000n) / 1000;
        } catch {
          /* not yet */
        }
      }
      if (!Number.isNaN(stamp)) {
        const since = Number(process.hrtime.bigint() / 1000n) / 1000 - stamp;
        if (c <= 0 && Number.isNaN(zeroAt)) zeroAt = since;
        if (since >= 1000) {
          at1s = Math.max(0, c);
          if (process.env.BENCH_DEBUG && c > 0) console.error(descendantsInfo(pid1));
          break;
        }
      }
    }
    await p.stop();
    return { zeroAt, at1s };
  } finally {
    rmTmp(dir);
  }
}

export async function reaping({ runs, n = 1000 }) {
  const tini = which('tini');
  const d = [];
  const t = [];
  let left = 0;
  for (let i = 0; i < runs; i++) {
    if (tini) t.push((await reapOnce([tini, '-s'], n)).zeroAt);
    const r = await reapOnce((dir) => dinitArgv(['run', '--socket', join(dir, 'dinit.sock')]), n);
    d.push(r.zeroAt);
    left = Math.max(left, r.at1s);
  }
  const v = median(d);
  const b = median(t);
  report({ scenario: 'reaping', figure: `zombies left 1 s after ${n} orphans (worst)`, value: left, unit: '', target: '0', met: left === 0 });
  if (tini) {
    report({ scenario: 'reaping', figure: `time to 0 zombies (${n} orphans)`, value: v, unit: 'ms', base: b, baseName: 'tini', ratio: v / b, target: '≤ 1.05× tini', met: v / b <= 1.05 });
  } else {
    report({ scenario: 'reaping', figure: `time to 0 zombies (${n} orphans)`, value: v, unit: 'ms', note: 'tini not installed' });
  }
  return { dinit: v, tini: b, left };
}

async function outputOnce(initArgv, mib, prefix) {
  const dir = tmp();
  try {
    const line = 'x'.repeat(99);
    const cmd = `yes ${line} | head -c ${mib * 1024 * 1024}`;
    const counter = (await import('node:child_process')).spawn(process.execPath, [fixture('count-lines.mjs'), prefix, String(line.length)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const p = startPid1([...argvIn(initArgv, dir), '--', 'sh', '-c', cmd], { stdout: counter.stdin, cwd: dir });
    let out = '';
    counter.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    await p.exited;
    counter.stdin.end();
    await new Promise((r) => counter.on('close', r));
    const r = JSON.parse(out);
    return { mibs: (r.bytes / 1048576 / (r.lastMs - r.firstMs)) * 1000, ...r, expected: (mib * 1048576) / 100 };
  } finally {
    rmTmp(dir);
  }
}

export async function output({ runs, mib }) {
  const tini = which('tini');
  const d = [];
  const t = [];
  let lost = 0;
  let bad = 0;
  for (let i = 0; i < runs; i++) {
    if (tini) t.push((await outputOnce([tini, '-s'], mib, '')).mibs);
    const r = await outputOnce((dir) => dinitArgv(['run', '--socket', join(dir, 'dinit.sock')]), mib, 'main | ');
    d.push(r.mibs);
    lost = Math.max(lost, r.expected - r.good);
    bad = Math.max(bad, r.bad);
  }
  const v = median(d);
  const b = median(t);
  report({
    scenario: 'output',
    figure: `${mib} MiB in 100-byte lines, prefixed`,
    value: v,
    unit: 'MiB/s',
    base: tini ? b : undefined,
    baseName: 'tini',
    ratio: v / b,
    target: '≥ 0.8× tini',
    met: tini ? v / b >= 0.8 : undefined,
  });
  report({ scenario: 'output', figure: 'lines lost / split (worst run)', value: lost, unit: 'lines', note: `${bad} malformed`, target: '0', met: lost === 0 && bad === 0 });
  return { dinit: v, tini: b, lost, bad };
}

export async function shutdown({ runs, n = 10 }) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const dir = tmp();
    try {
      const d = await startDinit(writeConfig(dir, servicesYaml(n)), dir);
      const pid1 = await d.pid1();
      await sleep(300);
      const t = now();
      process.kill(pid1, 'SIGTERM');
      const { at } = await d.exited;
      ms.push(at - t);
    } finally {
      rmTmp(dir);
    }
  }
  const v = median(ms);
  report({ scenario: 'shutdown', figure: `SIGTERM → dinit exited (${n} services)`, value: v, unit: 'ms', target: '≤ 15 ms', met: v <= 15 });
  return { ms: v };
}

function descendantsInfo(pid) {
  return descendants(pid).map((p) => {
    let st = '?';
    try {
      st = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0] ?? '?';
    } catch {
      /* gone */
    }
    return `${p} ${commOf(p)} ${st}`;
  });
}
