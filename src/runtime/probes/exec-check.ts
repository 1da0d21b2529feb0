// exec probe: run a command (argv, no shell) with the service's environment and
// working directory; up when it exits 0 within the timeout. The command gets its
// own process group so that a timeout (or cancel) can SIGKILL it together with
// anything it started. A little of its output is kept for the failure message.
//
// The command is a short-lived helper of dinit's, not a service, but it is
// spawned through the same ProcessHost (as a 'probe'): the host's one owner of
// child exits knows it, so the reaper never takes its exit for an orphan's.

import type { Child } from '../../os/ports.js';
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
    let exit: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let settled = false;
    let output = '';
    let open = 0;
    // Judge once it exited and its output streams ended (its pipes may outlive it).
    const judge = (): void => {
      if (exit && open === 0) finish(describeExit(exit.code, exit.sig, output));
    };
    let child: Child;
    try {
      child = ctx.host.spawn({ command: [file, ...args], env: ctx.env, ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}) }, 'probe', {
        spawned: () => undefined,
        failed: (err) => finish({ ok: false, message: `cannot run ${file}: ${describeError(err)}` }),
        exited: (code, sig) => {
          exit = { code, sig };
          judge();
        },
      });
    } catch (err) {
      resolve({ ok: false, message: `cannot run ${file}: ${describeError(err)}` });
      return;
    }
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const finish = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      ctx.clock.clearTimer(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    // Stop waiting for its pipes and kill whatever is left of its group.
    const abandon = (): void => {
      if (child.pid !== undefined) ctx.host.signalGroup(child.pid, 'SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const onAbort = (): void => {
      abandon();
      finish({ ok: false, message: 'cancelled' });
    };
    const timer = ctx.clock.setTimer(timeoutMs, () => {
      abandon();
      // Exited in time but left something holding its output open: judge by the exit.
      if (exit) finish(describeExit(exit.code, exit.sig, output));
      else finish({ ok: false, message: `${file} timed out after ${timeoutMs}ms` });
    });
    signal.addEventListener('abort', onAbort, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      open++;
      stream.once('close', () => {
        open--;
        judge();
      });
    }
  });
}
