// Driving a real Docker engine from tests. Everything waits on something the
// engine reports (a `docker logs` line, a health status, a container exit, a
// /proc entry vanishing), polled or streamed under a deadline: no fixed sleeps.
//
// The suite runs only when DINIT_CONTAINER_TEST=1 (scripts/container-test.sh
// sets it after building the images named in IMAGES); under plain `npm test`
// every container test is skipped, so it needs neither root nor an engine.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const enabled = process.env.DINIT_CONTAINER_TEST === '1';
export const skip = enabled ? false : 'container suite: run `npm run test:container` (needs root and a Docker engine)';

/** The engine's own CLI (see CONTAINERS.md: the first `docker` on PATH may lack plugins). */
export const DOCKER = process.env.DOCKER ?? '/usr/bin/docker';

/** Images built by scripts/container-test.sh before the tests run. */
export const IMAGES = {
  image: process.env.DINIT_IMAGE ?? 'dinit-test/image',
  bundle: process.env.DINIT_BUNDLE_IMAGE ?? 'dinit-test/bundle',
  noNode: 'dinit-test/no-node',
  noShell: 'dinit-test/no-shell',
  sidecars: 'dinit-test/sidecars',
  nonroot: 'dinit-test/nonroot-readonly',
  webRedis: 'dinit-test/web-redis',
  nginxApp: 'dinit-test/nginx-app',
  npmPack: 'dinit-test/npm-pack',
} as const;

/** Every container the suite starts carries this label; the script removes leftovers by it. */
export const LABEL = 'dinit-container-test=1';

/**
 * Services for the health tests: `steady` runs on; `flaky` runs until
 * /tmp/break exists (breakFlaky), then fails for good after two quick restarts.
 */
export const STEADY_AND_FLAKY = `services:
  steady:
    command: sleep 1000
  flaky:
    command: [sh, -c, "while [ ! -e /tmp/break ]; do sleep 0.1; done; exit 1"]
    restart-delay: 100ms
    restart-limit: { count: 2, interval: 60s }
`;

/** Makes STEADY_AND_FLAKY's `flaky` fail for good. */
export async function breakFlaky(name: string): Promise<void> {
  await dockerOk(['exec', name, 'touch', '/tmp/break']);
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `docker ARGS`, never throwing on a non-zero exit (tests assert on it). */
export function docker(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = execFile(DOCKER, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      if (err && code === -1) return reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`));
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like docker(), but a non-zero exit is an error carrying its output. */
export async function dockerOk(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export function uniqueName(what: string): string {
  return `dinit-ct-${what}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** `docker run -d` with the suite's label; returns the container name. */
export async function runDetached(name: string, runArgs: string[], image: string, cmd: string[] = []): Promise<string> {
  await dockerOk(['run', '-d', '--name', name, '--label', LABEL, ...runArgs, image, ...cmd]);
  return name;
}

export async function remove(name: string): Promise<void> {
  await docker(['rm', '-f', '-v', name]);
}

/** Output of `docker logs` (stdout and stderr together, in arrival order per stream). */
export async function logs(name: string): Promise<string> {
  const r = await docker(['logs', name]);
  return r.stdout + r.stderr;
}

/**
 * Resolve with the full log text once `pattern` matches a line of the
 * container's output (followed live with `docker logs -f`), or reject at the
 * deadline with what was seen. Resolves also if the line was printed before.
 */
export function waitForLog(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, ['logs', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill();
      if (err) reject(err);
      else resolve(seen);
    };
    const onData = (d: Buffer): void => {
      seen += d.toString('utf8');
      if (seen.split('\n').some((l) => pattern.test(l))) finish(null);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', () => finish(new Error(`container ${name} ended its output without a line matching ${pattern}:\n${seen}`)));
    const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms in ${name}:\n${seen}`)), timeoutMs);
  });
}

/** Poll `check` until it returns a value (not undefined) or the deadline passes. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function inspect(name: string, format: string): Promise<string> {
  return (await dockerOk(['inspect', '-f', format, name])).trim();
}

export function waitHealth(name: string, status: 'healthy' | 'unhealthy', timeoutMs = 30_000): Promise<string> {
  return until(`${name} to be ${status}`, async () => ((await inspect(name, '{{.State.Health.Status}}')) === status ? status : undefined), timeoutMs, 200);
}

/** Wait for the container to exit; returns its exit code. */
export async function waitExit(name: string, timeoutMs = 30_000): Promise<number> {
  const r = await docker(['wait', name], { timeoutMs });
  if (r.code !== 0) throw new Error(`docker wait ${name}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** `docker exec CTR ARGS`. */
export function exec(name: string, args: string[], execArgs: string[] = []): Promise<Result> {
  return docker(['exec', ...execArgs, name, ...args]);
}

export interface StatusEntry {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  ready: boolean;
  exitCode: number | null;
}

export async function status(name: string, dinit = 'dinit', execArgs: string[] = []): Promise<StatusEntry[]> {
  const r = await exec(name, [dinit, 'status', '--json'], execArgs);
  if (r.code !== 0) throw new Error(`dinit status exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusEntry[];
}

/** Wait until every listed service is started and ready. */
export function waitStarted(name: string, services: string[], timeoutMs = 30_000, dinit = 'dinit', execArgs: string[] = []): Promise<StatusEntry[]> {
  return until(
    `${services.join(', ')} started in ${name}`,
    async () => {
      const st = await status(name, dinit, execArgs);
      return services.every((s) => st.some((e) => e.name === s && e.state === 'started' && e.ready)) ? st : undefined;
    },
    timeoutMs,
    150,
  );
}

/** PIDs of zombie processes inside the container (state Z in /proc/PID/stat). */
export async function zombies(name: string, execArgs: string[] = []): Promise<number[]> {
  const script = 'for f in /proc/[0-9]*/stat; do read -r l < "$f" 2>/dev/null && echo "$l"; done';
  const r = await exec(name, ['sh', '-c', script], execArgs);
  const out: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+) \(.*\) (\S)/.exec(line);
    if (m && m[2] === 'Z') out.push(Number(m[1]));
  }
  return out;
}

/** Index of the first output line matching `re` (-1 if none). */
export function lineIndex(text: string, re: RegExp): number {
  return text.split('\n').findIndex((l) => re.test(l));
}
