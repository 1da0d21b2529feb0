// Shared machinery of `npm run bench`: starting a program as PID 1 of a new
// PID namespace, reading its memory from the host's /proc, waiting for lines
// with a deadline, medians, and the one-line-per-figure report.
//
// Model: every measured process is started by `unshare --pid --fork
// --mount-proc PROG...`, so PROG is PID 1 inside and an ordinary child of
// unshare outside; the host pid of PROG is unshare's only child. Times come
// from performance.now() in this process (CLOCK_MONOTONIC), or from
// process.hrtime in a fixture when the moment happens inside the namespace:
// both read the same system-wide monotonic clock.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = join(benchDir, '..');
export const fixture = (name) => join(benchDir, 'fixtures', name);
export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function tmp(prefix = 'dinit-bench-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function rmTmp(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** The dinit entry the suite runs: a JS file for `node` (default: the real bin/dinit.cjs → dist/lib). */
export const settings = { entry: join(root, 'bin', 'dinit.cjs'), nodeFlags: [] };

export function dinitArgv(args) {
  return [process.execPath, ...settings.nodeFlags, settings.entry, ...args];
}

/** Host pid of the namespace's PID 1 (unshare's only child), once it exists. */
export async function pid1Of(unsharePid, deadlineMs = 5000) {
  const end = now() + deadlineMs;
  while (now() < end) {
    try {
      const kids = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(' ')[0]);
    } catch {
      /* not yet */
    }
    await sleep(1);
  }
  throw new Error(`no PID 1 under unshare ${unsharePid}`);
}

/**
 * Starts argv as PID 1 of a new PID namespace. Returns the child (unshare),
 * a promise of its exit, all output so far (`text()`), and `waitFor(re)`.
 */
export function startPid1(argv, { env = {}, cwd = tmpdir(), stdout = 'pipe', onData } = {}) {
  const t0 = now();
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', ...argv], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let buf = '';
  const waiters = [];
  const feed = (d) => {
    buf += d;
    if (buf.length > 1 << 20) buf = buf.slice(-(1 << 19));
    for (const w of [...waiters]) {
      const m = w.re.exec(buf);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve({ at: now(), m });
      }
    }
  };
  if (stdout === 'pipe' && !onData) child.stdout.setEncoding('utf8').on('data', feed);
  if (stdout === 'pipe' && onData) child.stdout.on('data', onData);
  child.stderr.setEncoding('utf8').on('data', feed);
  const exited = new Promise((r) => child.on('close', (code, sig) => r({ at: now(), code, sig })));
  return {
    child,
    t0,
    exited,
    text: () => buf,
    waitFor(re, ms = 20000) {
      const m = re.exec(buf);
      if (m) return Promise.resolve({ at: now(), m });
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out waiting for ${re}; output:\n${buf.slice(-2000)}`));
        }, ms);
        t.unref();
        exited.then(() => setTimeout(() => reject(new Error(`exited before ${re}; output:\n${buf.slice(-2000)}`)), 50));
      });
    },
    async pid1() {
      return pid1Of(child.pid);
    },
    async stop(sig = 'SIGTERM', ms = 15000) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          const p = await pid1Of(child.pid, 1000);
          process.kill(p, sig);
        } catch {
          child.kill('SIGKILL');
        }
      }
      const t = setTimeout(() => child.kill('SIGKILL'), ms);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

/** KiB: VmRSS and Pss of one process (0 if it is gone). */
export function memOf(pid) {
  try {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    return { rss, pss };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/** Every descendant pid of pid (depth first), from /proc/PID/task/TID/children. */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
      } catch {
        continue;
      }
      for (const k of kids ? kids.split(' ') : []) {
        out.push(Number(k));
        walk(Number(k));
      }
    }
  };
  walk(pid);
  return out;
}

export function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Direct children of pid over all its threads (reparented orphans may hang off any thread). */
export function childCount(pid) {
  let n = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (kids) n += kids.split(' ').length;
    } catch {
      /* thread gone */
    }
  }
  return n;
}

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** A dinit.yaml for N copies of a service; shape: flat | chain | tree (binary). */
export function servicesYaml(n, { shape = 'flat', command = ['sleep', '100000'], extra = '', options = '' } = {}) {
  let y = options ? `options:\n${options}\n` : '';
  y += 'services:\n';
  for (let i = 0; i < n; i++) {
    y += `  s${i}:\n    command: ${JSON.stringify(command)}\n`;
    if (extra) y += extra;
    const dep = shape === 'chain' ? (i > 0 ? i - 1 : -1) : shape === 'tree' ? (i > 0 ? (i - 1) >> 1 : -1) : -1;
    if (dep >= 0) y += `    depends-on: [s${dep}]\n`;
  }
  y += `  all:\n    type: internal\n    depends-on: [${Array.from({ length: n }, (_, i) => `s${i}`).join(', ')}]\n`;
  return y;
}

export function writeConfig(dir, yaml, name = 'dinit.yaml') {
  const f = join(dir, name);
  writeFileSync(f, yaml);
  return f;
}

/** Runs dinit with a config as PID 1 and waits for `[dinit] all started`. */
export async function startDinit(config, dir, { env = {}, stdout = 'pipe' } = {}) {
  const p = startPid1(dinitArgv(['run', '-c', config, '--socket', join(dir, 'sock')]), { env, stdout });
  const { at } = await p.waitFor(/\[dinit\] all started/, 60000);
  return { ...p, startedAt: at, socket: join(dir, 'sock') };
}

/** One result line: `scenario  figure  value unit  (ratio× baseline)`. */
export const results = [];
export function report(r) {
  results.push(r);
  const val = Number.isFinite(r.value) ? fmt(r.value) : 'n/a';
  let line = `${r.scenario.padEnd(10)} ${r.figure.padEnd(44)} ${val.padStart(9)} ${r.unit.padEnd(8)}`;
  if (r.base !== undefined) line += ` ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) + '×' : 'n/a'} of ${r.baseName} (${fmt(r.base)} ${r.unit})`;
  if (r.target) line += `  target ${r.target}${r.met === undefined ? '' : r.met ? ' ✓' : ' ✗'}`;
  if (r.note) line += `  ${r.note}`;
  console.log(line);
}

export function fmt(v) {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export { existsSync, join };
