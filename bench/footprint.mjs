// Idle footprint, start-up, and scale: the scenarios that only need dinit to
// start N `sleep` services and sit there.
//
// The floor is a bare `node -e 'setInterval(()=>{},1e9)'`, itself PID 1 of its
// own namespace, measured in alternation with dinit so both see the same
// machine. RSS is read SETTLE_MS after the last service started (and after the
// same delay for the floor): Node's heap settles within that time.
// Start-up is exec → `[dinit] all started` on dinit's output, next to the same
// bare node's exec → its first line of JS writing a byte.

import { spawnSync } from 'node:child_process';
import { dinitArgv, fixture, join, median, memOf, now, report, rmTmp, servicesYaml, sleep, startDinit, startPid1, tmp, writeConfig } from './lib.mjs';

const SETTLE_MS = 1000;

/** The bare node: PID 1 of its namespace, prints `up` at its first line of JS, then idles. */
const FLOOR_ARGV = [process.execPath, '-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1e9)'];

/** bench/fixtures/node-skeleton.mjs: a unix socket server and n piped `sleep` children, nothing else. */
const skeletonArgv = (n, dir, command = []) => [process.execPath, fixture('node-skeleton.mjs'), String(n), join(dir, 'skeleton.sock'), ...command];

/** The real-shaped service of start-up: a shell script that writes one line, then `exec sleep`. */
export const ECHO_EXEC = [fixture('echo-exec.sh')];

/** Runs argv (a program that prints `up` when ready) as PID 1 in a private temporary directory. */
async function asPid1(argvIn, measure) {
  const dir = tmp();
  try {
    const p = startPid1(argvIn(dir), { cwd: dir });
    try {
      return await measure(p);
    } finally {
      await p.stop('SIGKILL');
    }
  } finally {
    rmTmp(dir);
  }
}

/** Memory SETTLE_MS after `up`. */
const memAfterUp = async (p) => {
  await p.waitFor(/up/);
  await sleep(SETTLE_MS);
  return memOf(await p.pid1());
};

/** exec → `up`. */
const timeToUp = async (p) => (await p.waitFor(/up/)).at - p.t0;

const floorMem = () => asPid1(() => FLOOR_ARGV, memAfterUp);
const skeletonMem = (n) => asPid1((dir) => skeletonArgv(n, dir), memAfterUp);

async function dinitMem(n) {
  const dir = tmp();
  try {
    const d = await startDinit(writeConfig(dir, servicesYaml(n)), dir);
    await sleep(SETTLE_MS);
    const m = memOf(await d.pid1());
    await d.stop();
    return m;
  } finally {
    rmTmp(dir);
  }
}

export async function idle({ runs, sizes }) {
  const floor = { rss: [], pss: [] };
  const by = new Map(sizes.map((n) => [n, { rss: [], pss: [], skel: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const n of sizes) {
      const f = await floorMem();
      floor.rss.push(f.rss);
      floor.pss.push(f.pss);
      const m = await dinitMem(n);
      by.get(n).rss.push(m.rss);
      by.get(n).pss.push(m.pss);
      by.get(n).skel.push((await skeletonMem(n)).rss);
    }
  }
  const fr = median(floor.rss) / 1024;
  const fp = median(floor.pss) / 1024;
  const out = { floorRss: fr };
  for (const n of sizes) {
    const r = median(by.get(n).rss) / 1024;
    const p = median(by.get(n).pss) / 1024;
    out[n] = r;
    const target = n === sizes[0] ? '≤ 1.05×' : undefined;
    report({ scenario: 'idle', figure: `dinit RSS, ${n} services`, value: r, unit: 'MiB', base: fr, baseName: 'bare node', ratio: r / fr, target, met: target ? r / fr <= 1.05 : undefined });
    report({ scenario: 'idle', figure: `dinit PSS, ${n} services`, value: p, unit: 'MiB', base: fp, baseName: 'bare node', ratio: p / fp });
    const k = median(by.get(n).skel) / 1024;
    out[`skeleton${n}`] = k;
    report({
      scenario: 'idle',
      figure: `Node supervisor skeleton RSS, ${n} services`,
      value: k,
      unit: 'MiB',
      base: fr,
      baseName: 'bare node',
      ratio: k / fr,
      note: "Node's own price: net server + N piped child_process children",
    });
    report({ scenario: 'idle', figure: `dinit RSS over the skeleton, ${n} services`, value: r, unit: 'MiB', base: k, baseName: 'skeleton', ratio: r / k });
  }
  if (sizes.length > 1) {
    const [a, b] = [sizes[0], sizes[sizes.length - 1]];
    const per = ((out[b] - out[a]) * 1024) / (b - a);
    report({ scenario: 'idle', figure: `RSS per extra service (${a} → ${b})`, value: per, unit: 'KiB', target: '≤ 40 KiB', met: per <= 40 });
    out.perService = per;
    const perSkel = ((out[`skeleton${b}`] - out[`skeleton${a}`]) * 1024) / (b - a);
    report({ scenario: 'idle', figure: `skeleton RSS per extra service (${a} → ${b})`, value: perSkel, unit: 'KiB', note: 'a ChildProcess with two piped streams' });
    out.perServiceSkeleton = perSkel;
  }
  return out;
}

/** exec → first line of JS of a bare node (the floor of any Node program's start-up). */
const floorStart = () => asPid1(() => FLOOR_ARGV, timeToUp);
/** exec → the skeleton has spawned n piped children with child_process. */
const skeletonStart = (n, command) => asPid1((dir) => skeletonArgv(n, dir, command), timeToUp);

async function dinitStart(n, shape, command) {
  const dir = tmp();
  try {
    const d = await startDinit(writeConfig(dir, servicesYaml(n, { shape, ...(command ? { command } : {}) })), dir);
    const ms = d.startedAt - d.t0;
    await d.stop();
    return ms;
  } finally {
    rmTmp(dir);
  }
}

export async function startup({ runs, n = 50 }) {
  const floor = [];
  const skeleton = [];
  const skeletonShell = [];
  const shell = [];
  const shapes = { flat: [], chain: [], tree: [] };
  for (let i = 0; i < runs; i++) {
    for (const shape of Object.keys(shapes)) {
      floor.push(await floorStart());
      shapes[shape].push(await dinitStart(n, shape));
      if (shape === 'flat') skeleton.push(await skeletonStart(n));
    }
    // The same 50 as shell scripts (echo, then exec sleep), alternating with the skeleton spawning them.
    skeletonShell.push(await skeletonStart(n, ECHO_EXEC));
    shell.push(await dinitStart(n, 'flat', ECHO_EXEC));
  }
  const f = median(floor);
  const sk = median(skeleton);
  report({
    scenario: 'start-up',
    figure: `Node skeleton: exec → ${n} children spawned`,
    value: sk,
    unit: 'ms',
    base: f,
    baseName: 'bare node',
    ratio: sk / f,
    note: 'child_process.spawn, no config, no supervision',
  });
  const flat = median(shapes.flat);
  for (const shape of Object.keys(shapes)) {
    const v = median(shapes[shape]);
    const target = shape === 'flat' ? '≤ 1.3×' : undefined;
    report({ scenario: 'start-up', figure: `exec → all ${n} running (${shape})`, value: v, unit: 'ms', base: f, baseName: 'bare node', ratio: v / f, target, met: target ? v / f <= 1.3 : undefined });
  }
  const chain = median(shapes.chain);
  report({ scenario: 'start-up', figure: `${n}-long chain vs flat`, value: chain, unit: 'ms', base: flat, baseName: 'flat', ratio: chain / flat, target: '≤ 1.1×', met: chain / flat <= 1.1 });
  report({ scenario: 'start-up', figure: `exec → all ${n} running (flat) vs the skeleton`, value: flat, unit: 'ms', base: sk, baseName: 'skeleton', ratio: flat / sk, target: '≤ 1.2×', met: flat / sk <= 1.2 });
  const sh = median(shell);
  const skSh = median(skeletonShell);
  report({ scenario: 'start-up', figure: `${n} shell services (echo; exec sleep), flat`, value: sh, unit: 'ms', base: f, baseName: 'bare node', ratio: sh / f });
  report({
    scenario: 'start-up',
    figure: `${n} shell services vs the skeleton`,
    value: sh,
    unit: 'ms',
    base: skSh,
    baseName: 'skeleton spawning them',
    ratio: sh / skSh,
    target: '≤ 1.3×',
    met: sh / skSh <= 1.3,
  });
  return { floor: f, skeleton: sk, flat, chain, tree: median(shapes.tree), shell: sh, skeletonShell: skSh };
}

/** Median wall time of `dinit status` against a running supervisor, alternating with `node -e 0`. */
export function statusTimes(socket, runs) {
  const st = [];
  const n0 = [];
  const time = (argv) => {
    const t = now();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    return now() - t;
  };
  for (let i = 0; i < runs; i++) {
    n0.push(time([process.execPath, '-e', '0']));
    st.push(time(dinitArgv(['status', '--socket', socket])));
  }
  return { status: median(st), node: median(n0) };
}

export async function control({ runs }) {
  const dir = tmp();
  try {
    const d = await startDinit(writeConfig(dir, servicesYaml(10)), dir);
    const { status, node } = statusTimes(d.socket, Math.max(runs * 3, 15));
    report({
      scenario: 'control',
      figure: '`dinit status` round trip (10 services)',
      value: status,
      unit: 'ms',
      base: node,
      baseName: 'node -e 0',
      ratio: status / node,
      target: '≤ 1.10×',
      met: status / node <= 1.1,
    });
    await d.stop();
    return { status, node };
  } finally {
    rmTmp(dir);
  }
}

export async function scale({ runs, big }) {
  const sizes = [10, big];
  const r = new Map(sizes.map((n) => [n, { start: [], rss: [], status: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const n of sizes) {
      const dir = tmp();
      try {
        const d = await startDinit(writeConfig(dir, servicesYaml(n)), dir);
        r.get(n).start.push(d.startedAt - d.t0);
        await sleep(SETTLE_MS);
        r.get(n).rss.push(memOf(await d.pid1()).rss / 1024);
        r.get(n).status.push(statusTimes(d.socket, 3).status);
        await d.stop();
      } finally {
        rmTmp(dir);
      }
    }
  }
  const out = {};
  for (const [k, label, unit] of [
    ['start', 'start-up', 'ms'],
    ['rss', 'RSS', 'MiB'],
    ['status', '`dinit status`', 'ms'],
  ]) {
    const small = median(r.get(10)[k]);
    const v = median(r.get(big)[k]);
    out[k] = { small, big: v };
    report({ scenario: 'scale', figure: `${label}, ${big} services`, value: v, unit, base: small, baseName: '10 services', ratio: v / small });
  }
  return out;
}
