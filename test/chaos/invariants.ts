// What must hold once the chaos stops: read from `status --json` over the
// socket and from /proc, never from dinit's own word alone. Each check
// returns the list of violations (empty = holds) so a round can report all of
// them at once with the seed and the action log.
import type { ServiceStatus } from '../../src/types.js';
import { request } from '../../src/control/client.js';
import { descendantsOf, pidsWithEnv, procState, type DinitProcess } from '../helpers/dinit-process.js';
import { readStat } from '../../src/os/proc.js';

export async function status(d: DinitProcess, timeoutMs = 2000): Promise<ServiceStatus[]> {
  return request(d.socket, 'status', { names: [] }, { timeoutMs });
}

/** Nothing in motion: every service is up and wanted, or down and not wanted (failed counts as not wanted). */
export function unsettled(rows: ServiceStatus[]): string[] {
  const out: string[] = [];
  for (const s of rows) {
    const settledUp = s.state === 'started' && s.target === 'up' && s.ready;
    const settledDown = s.state === 'stopped' && s.target === 'down';
    if (!settledUp && !settledDown) out.push(`${s.name}: ${s.state} (target ${s.target}${s.ready ? ', ready' : ''})`);
  }
  return out;
}

/** Poll status until quiet or the deadline; returns the last rows and what was still moving. */
export async function settle(d: DinitProcess, timeoutMs: number): Promise<{ rows: ServiceStatus[]; moving: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  for (;;) {
    const rows = await status(d);
    const moving = unsettled(rows);
    // Quiet twice in a row 60 ms apart: a restart-delay or a queued stop shows up in between.
    if (moving.length === 0) {
      if (quietSince && Date.now() - quietSince >= 60) return { rows, moving };
      quietSince ||= Date.now();
    } else quietSince = 0;
    if (Date.now() > deadline) return { rows, moving };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Graph invariants on a quiet status. */
export function graphViolations(rows: ServiceStatus[], deps: Map<string, string[]>): string[] {
  const by = new Map(rows.map((r) => [r.name, r]));
  const out: string[] = [];
  for (const s of rows) {
    if (s.state === 'started') {
      for (const h of deps.get(s.name) ?? []) {
        const d = by.get(h);
        if (d?.state !== 'started') out.push(`${s.name} is started but its hard dependency ${h} is ${d?.state ?? 'missing'}`);
      }
    }
    if (s.failed && !s.reason) out.push(`${s.name} failed without a reason`);
    if (s.state === 'stopped' && s.pid !== null) out.push(`${s.name} is stopped but has pid ${s.pid}`);
  }
  return out;
}

/** Started process services whose pid is gone (dinit missed an exit). Transient while an exit is in flight. */
export function deadPids(rows: ServiceStatus[]): string[] {
  return rows
    .filter((s) => s.state === 'started' && s.type === 'process')
    .filter((s) => s.pid === null || procState(s.pid) === null || procState(s.pid) === 'Z')
    .map((s) => `${s.name} is started but its pid ${String(s.pid)} is not alive`);
}

/** Zombies among dinit's descendants. */
export function zombies(dinitPid: number): number[] {
  return descendantsOf(dinitPid).filter((p) => procState(p) === 'Z');
}

/**
 * Live processes of this run that no service owns: every process under dinit
 * or carrying the run's env tag must be in the session of a service's current
 * process (each service is spawned as a session leader, so its sid is its pid).
 */
export function unowned(d: DinitProcess, rows: ServiceStatus[]): string[] {
  const owners = new Set(rows.filter((r) => r.pid !== null).map((r) => r.pid as number));
  const pids = new Set([...descendantsOf(d.pid), ...pidsWithEnv(`DINIT_E2E_RUN=${d.tag}`)]);
  pids.delete(d.pid);
  pids.delete(process.pid);
  const out: string[] = [];
  for (const p of pids) {
    const st = readStat(p);
    if (!st || st.state === 'Z' || st.state === 'X') continue;
    if (!owners.has(st.session)) out.push(`${p} (${st.comm}, session ${st.session}, parent ${st.ppid})`);
  }
  return out;
}

/** Retry a /proc check until it holds or the deadline passes (processes take a moment to die and be reaped). */
export async function eventually<T>(check: () => T[] | Promise<T[]>, timeoutMs: number): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bad = await check();
    if (bad.length === 0 || Date.now() > deadline) return bad;
    await new Promise((r) => setTimeout(r, 25));
  }
}
