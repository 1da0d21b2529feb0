// Small vocabulary shared by the e2e suites: how to write a fixture command
// into YAML, and regexes for dinit's event lines (the stdout contract:
// `[dinit] NAME started (pid N)`, `NAME | text`, ...). Tests assert on these
// lines and on /proc, never on timing guesses.
import { fixtureBin } from '../helpers/paths.js';
import assert from 'node:assert/strict';
import type { DinitProcess } from '../helpers/dinit-process.js';
import type { ServiceStatus } from '../../src/types.js';

/** A YAML flow list running a fixture with this node: `[node, /.../fixture.js, args...]`. */
export function fixture(name: string, ...args: Array<string | number>): string {
  return JSON.stringify([process.execPath, fixtureBin(name), ...args.map(String)]);
}

/** A YAML flow list for `sh -c SCRIPT`. */
export function sh(script: string): string {
  return JSON.stringify(['sh', '-c', script]);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `[dinit] NAME <what>` at the start of a line; `what` is a regex source. */
export function ev(name: string, what: string): RegExp {
  return new RegExp(`^\\[dinit\\] ${esc(name)} ${what}`);
}

export const started = (name: string): RegExp => ev(name, 'started(?: \\(pid (\\d+)\\))?');
export const startedPid = (name: string): RegExp => ev(name, 'started \\(pid (\\d+)\\)');
export const stopping = (name: string): RegExp => ev(name, 'stopping');
export const stopped = (name: string): RegExp => ev(name, 'stopped');
export const failed = (name: string): RegExp => ev(name, 'failed');
export const exitedCode = (name: string, code: number): RegExp => ev(name, `exited with code ${code}\\b`);
export const killedBy = (name: string, sig: string): RegExp => ev(name, `killed by ${sig}\\b`);
export const restarting = (name: string): RegExp => ev(name, 'restarting in \\d+ms');

/** A service's output line: `NAME   | text` (name padded). */
export function out(name: string, text: string): RegExp {
  return new RegExp(`^${esc(name)}\\s*\\| ${text}`);
}

/** Wait for `NAME started (pid N)` at or after `from`; returns pid and line index. */
export async function waitStarted(d: DinitProcess, name: string, opts: { from?: number; timeoutMs?: number } = {}): Promise<{ pid: number; index: number }> {
  const e = await d.waitForEntry(startedPid(name), { timeoutMs: opts.timeoutMs ?? 8000, from: opts.from ?? 0 });
  return { pid: Number(startedPid(name).exec(e.text)![1]), index: e.index };
}

/** Index of the first line matching re at or after from; fails with the output if absent. */
export function at(d: DinitProcess, re: RegExp, from = 0): number {
  const i = d.indexOf(re, from);
  if (i < 0) throw new Error(`no line matches ${re}\n${d.dump()}`);
  return i;
}

/** How many lines match re. */
export function count(d: DinitProcess, re: RegExp, from = 0): number {
  return d
    .lines()
    .slice(from)
    .filter((l) => re.test(l)).length;
}

/** Assert a < b with the output in the message (for "X happened before Y"). */
export function before(d: DinitProcess, a: RegExp, b: RegExp, from = 0): void {
  const ia = at(d, a, from);
  const ib = at(d, b, from);
  if (!(ia < ib)) throw new Error(`expected a line matching ${a} before one matching ${b}\n${d.dump()}`);
}

/**
 * A shell service that makes `n` orphans: each is a forked shell blocked in
 * `read` whose parent subshell exits at once, so it is reparented to dinit
 * (PID 1 or subreaper) — in the spawner's session but not its leader. They all
 * read one line from a shared FIFO (held open read-write by everyone, so no
 * EOF ever arrives) until the test writes a line to `<dir>/go`; then the
 * spawner writes n newlines and all n orphans exit together. Prints
 * `spawned N` before waiting and `released` after the newlines are written.
 */
export function orphanSpawner(dir: string, n: number): string {
  return sh(
    [
      'set -e',
      `cd '${dir}'`,
      'mkfifo gate go',
      'exec 3<>gate',
      'i=0',
      `while [ $i -lt ${n} ]; do (read x <&3 &); i=$((i+1)); done`,
      'echo spawned $i',
      'read _ < go',
      `head -c ${n} /dev/zero | tr '\\0' '\\n' >&3`,
      'echo released',
      'exec sleep 1000',
    ].join('\n'),
  );
}

/** `dinit status --json` for one service, through the supervisor's own build. */
export async function statusOf(d: DinitProcess, name: string): Promise<ServiceStatus> {
  const r = await d.cli(['status', '--json', name]);
  assert.equal(r.code, 0, r.stderr);
  const row = (JSON.parse(r.stdout) as ServiceStatus[]).find((s) => s.name === name);
  assert.ok(row, `no status row for ${name}: ${r.stdout}`);
  return row;
}

/** Poll `dinit status` until pred holds for the service; fails with the last row and the output. */
export async function waitStatus(d: DinitProcess, name: string, pred: (s: ServiceStatus) => boolean, timeoutMs = 8000): Promise<ServiceStatus> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await statusOf(d, name);
    if (pred(s)) return s;
    if (performance.now() > deadline) assert.fail(`status of ${name} never matched: ${JSON.stringify(s)}\n${d.dump()}`);
  }
}
