// Restart, reaping, output and shutdown: the scenarios where something moves.
//
// restart: one service `date +%s%N` (prints the wall clock in ns, exits at
//   once), restart-delay 0, no practical limit. The gaps between consecutive
//   stamps are dinit's respawn cycle; the same program in a shell loop
//   (`while :; do date; done`) is the floor of any respawn (fork+exec+wait),
//   so latency = median gap − median floor gap: what dinit adds from the exit
//   of one process to the exec of the next. The same for a real-shaped
//   crasher, bench/fixtures/crash.sh (bash: stamps $EPOCHREALTIME, exits 1),
//   against the same script in a shell loop.
// reaping: bench/fixtures/orphans.mjs makes 1000 subshells, orphans of PID 1,
//   that all exit the moment it exits; the moment is stamped (hrtime, the
//   same monotonic clock as ours) and PID 1's children are then counted from
//   the host's /proc in a tight loop until only the main process is left.
// output: `yes LINE | head -c 200MiB` (100-byte lines) through dinit's
//   prefixer, against tini passing it through; bench/fixtures/count-lines.mjs
//   reads it, checks every line whole, and stamps first and last byte.
// shutdown: SIGTERM to PID 1 → the namespace's PID 1 has exited, with 10
//   `sleep` services, and with 10 bench/fixtures/trap-wait.sh (a shell that
//   traps TERM and waits on a background child) next to tini -g running one
//   shell that starts the same 10 and waits for them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childCount, commOf, descendants, dinitArgv, fixture, median, now, report, rmTmp, servicesYaml, sleep, startDinit, startPid1, tmp, which, writeConfig } from './lib.mjs';

/** ms from a stamp: `date +%s%N` (19 digits, ns) or bash's $EPOCHREALTIME (s.µs). */
const stampMs = (s) => (s.includes('.') ? Number(s.replace('.', '')) / 1000 : Number(BigInt(s) / 1000n) / 1000);

function stampGaps(text, re) {
  const ts = [];
  for (const m of text.matchAll(re)) ts.push(stampMs(m[1]));
  const gaps = [];
  for (let i = 1; i < ts.length; i++) gaps.push(ts[i] - ts[i - 1]);
  return { count: ts.length, span: ts.length > 1 ? ts[ts.length - 1] - ts[0] : NaN, gap: median(gaps) };
}

/** Median respawn cycle (and rate) of one service running `command` (which prints one stamp per run), and of `loop` in a shell loop, alternating. */
async function respawnCycles({ runs, windowMs, command, loop, stamp }) {
  const floor = [];
  const cyc = [];
  const rate = [];
  const yaml = servicesYaml(1, {
    command,
    extra: '    restart: always\n    restart-delay: 0ms\n    restart-limit: { count: 100000000, interval: 1s }\n',
  }).replace(/ {2}all:[\s\S]*$/, '');
  for (let i = 0; i < runs; i++) {
    const sh = startPid1(['sh', '-c', `while :; do ${loop}; done`]);
    await sleep(windowMs);
    await sh.stop('SIGKILL');
    floor.push(stampGaps(sh.text(), new RegExp(`^(${stamp})$`, 'gm')).gap);
    const dir = tmp();
    try {
      const p = startPid1(dinitArgv(['run', '-c', writeConfig(dir, yaml), '--socket', join(dir, 'sock')]));
      await p.waitFor(new RegExp(`s0\\s*\\| ${stamp}`));
      await sleep(windowMs);
      await p.stop();
      const g = stampGaps(p.text(), new RegExp(`^s0\\s*\\| (${stamp})$`, 'gm'));
      cyc.push(g.gap);
      rate.push(((g.count - 1) / g.span) * 1000);
    } finally {
      rmTmp(dir);
    }
  }
  const f = median(floor);
  const c = median(cyc);
  return { rate: median(rate), latency: c - f, cycle: c, floorCycle: f };
}

export async function restart({ runs, windowMs }) {
  const d = await respawnCycles({ runs, windowMs, command: ['date', '+%s%N'], loop: 'date +%s%N', stamp: '\\d{19}' });
  report({ scenario: 'restart', figure: 'restarts/s, restart-delay 0', value: d.rate, unit: '/s', target: '≥ 300', met: d.rate >= 300 });
  report({
    scenario: 'restart',
    figure: 'exit → respawn latency (median)',
    value: d.latency,
    unit: 'ms',
    target: '≤ 3 ms',
    met: d.latency <= 3,
    note: `(cycle ${d.cycle.toFixed(2)} ms − shell-loop cycle ${d.floorCycle.toFixed(2)} ms)`,
  });
  const crash = fixture('crash.sh');
  const b = await respawnCycles({ runs, windowMs, command: [crash], loop: crash, stamp: '\\d+\\.\\d{6}' });
  report({ scenario: 'restart', figure: 'bash crasher: restarts/s', value: b.rate, unit: '/s' });
  report({
    scenario: 'restart',
    figure: 'bash crasher: exit → respawn latency',
    value: b.latency,
    unit: 'ms',
    target: '≤ 2 ms',
    met: b.latency <= 2,
    note: `(cycle ${b.cycle.toFixed(2)} ms − the script in a shell loop ${b.floorCycle.toFixed(2)} ms)`,
  });
  return { ...d, bash: b };
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

/** SIGTERM to an already running PID 1 (`p`, after `ready`) → the namespace's PID 1 has exited. */
async function termToExit(p) {
  const pid1 = await p.pid1();
  await sleep(300);
  const t = now();
  process.kill(pid1, 'SIGTERM');
  const { at } = await p.exited;
  return at - t;
}

async function dinitShutdown(n, command) {
  const dir = tmp();
  try {
    return await termToExit(await startDinit(writeConfig(dir, servicesYaml(n, command ? { command } : {})), dir));
  } finally {
    rmTmp(dir);
  }
}

/** tini -g (TERM to the child's group) over one shell that starts n `script`s and, on TERM, waits for them all. */
async function tiniShutdown(tini, n, script) {
  const dir = tmp();
  try {
    const cmd = `trap 'wait; exit 0' TERM; for i in $(seq ${n}); do ${script} & done; echo started; wait`;
    const p = startPid1([tini, '-g', '-s', '--', 'sh', '-c', cmd], { cwd: dir });
    await p.waitFor(/started/);
    // Every script's line: each has set its trap and started its child.
    await p.waitFor(new RegExp(`(?:[^]*?waiting on \\d+){${n}}`));
    return await termToExit(p);
  } finally {
    rmTmp(dir);
  }
}

export async function shutdown({ runs, n = 10 }) {
  const tini = which('tini');
  const trapWait = fixture('trap-wait.sh');
  const ms = [];
  const shell = [];
  const t = [];
  for (let i = 0; i < runs; i++) {
    ms.push(await dinitShutdown(n));
    shell.push(await dinitShutdown(n, [trapWait]));
    if (tini) t.push(await tiniShutdown(tini, n, trapWait));
  }
  const v = median(ms);
  const s = median(shell);
  const b = median(t);
  report({ scenario: 'shutdown', figure: `SIGTERM → dinit exited (${n} services)`, value: v, unit: 'ms', target: '≤ 15 ms', met: v <= 15 });
  report({
    scenario: 'shutdown',
    figure: `SIGTERM → exited, ${n} trapping shell services`,
    value: s,
    unit: 'ms',
    ...(tini ? { base: b, baseName: 'tini -g', ratio: s / b } : {}),
    target: '≤ 15 ms',
    met: s <= 15,
  });
  return { ms: v, shell: s, tini: b };
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
