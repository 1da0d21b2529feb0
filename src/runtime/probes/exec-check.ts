// exec probe: run a command (argv, no shell) with the service's environment and
// working directory; up when it exits 0 within the timeout. The command gets its
// own process group so that a timeout (or cancel) can SIGKILL it together with
// anything it started. A little of its output is kept for the failure message.
//
// The command is a short-lived helper of dinit's, not a service, but it is
// spawned through os/spawn all the same: children spawned there are known to the
// reaper, which would otherwise reap a finished probe before Node sees its exit.

import type { ChildProcess } from 'node:child_process';
import { killGroup } from '../../os/kill.js';
import { spawnService } from '../../os/spawn.js';
import { describeError, type CheckResult, type ProbeContext } from './context.js';

const KEEP_OUTPUT = 400;

function describeExit(code: number | null, sig: NodeJS.Signals | null, output: string): CheckResult {
  if (code === 0) return { ok: true };
  const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
  const last = output.trim().split('\n').pop()?.trim();
  return { ok: false, message: last ? `${how}: ${last}` : how };
}

export function execCheck(command: string[], ctx: ProbeContext, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
  const [file, ...args] = command;
  if (file === undefined || file === '') {
    return Promise.resolve({ ok: false, message: 'empty exec probe command', permanent: true });
  }
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawnService({ command: [file, ...args], env: ctx.env, ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}) });
    } catch (err) {
      resolve({ ok: false, message: `cannot run ${file}: ${describeError(err)}` });
      return;
    }
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exit: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let settled = false;
    const finish = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    // Stop waiting for its pipes and kill whatever is left of its group.
    const abandon = (): void => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const onAbort = (): void => {
      abandon();
      finish({ ok: false, message: 'cancelled' });
    };
    const timer = setTimeout(() => {
      abandon();
      // Exited in time but left something holding its output open: judge by the exit.
      if (exit) finish(describeExit(exit.code, exit.sig, output));
      else finish({ ok: false, message: `${file} timed out after ${timeoutMs}ms` });
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => finish({ ok: false, message: `cannot run ${file}: ${describeError(err)}` }));
    // Judge once it exited and its output streams ended (they are our own pipes,
    // so Node's 'close' does not wait for them).
    let open = 0;
    const judge = (): void => {
      if (exit && open === 0) finish(describeExit(exit.code, exit.sig, output));
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      open++;
      stream.once('close', () => {
        open--;
        judge();
      });
    }
    child.on('exit', (code, sig) => {
      exit = { code, sig };
      judge();
    });
  });
}
