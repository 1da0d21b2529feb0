// A hook of a service (on-exit, a process service's stop-command): its own
// child next to the service, as the service's user, with its environment plus
// `extra`, its output prefixed `NAME:LABEL`, bounded by stop-timeout (then
// SIGKILL). Its failure is reported as one of dinit's lines, never fatal.

import type { Clock, TimerHandle } from '../core/clock.js';
import type { Child, ProcessHost } from '../os/ports.js';
import type { ServiceConfig } from '../types.js';
import { formatDuration } from '../units.js';
import type { ServiceOutput } from './process-driver.js';
import { serviceUser } from './service-user.js';

export interface HookDeps {
  host: ProcessHost;
  clock: Clock;
  output: ServiceOutput;
  environment(svc: ServiceConfig, identity: Record<string, string>): Record<string, string>;
  note?(message: string, about: string): void;
}

/** Run `command` as `svc`'s hook `label`; `onSpawnFailure` runs when it could not even start. */
export function runHook(deps: HookDeps, svc: ServiceConfig, label: string, command: string[], extra: Record<string, string>, onSpawnFailure?: () => void): void {
  const { host, clock } = deps;
  const tag = `${svc.name}:${label}`;
  const note = (message: string): void => deps.note?.(`${tag} ${message}`, svc.name);
  const cantRun = (why: string): void => {
    note(`failed: ${why}`);
    onSpawnFailure?.();
  };
  let user: ReturnType<typeof serviceUser>;
  try {
    user = serviceUser(host, svc);
  } catch (err) {
    cantRun((err as Error).message);
    return;
  }
  const env = { ...deps.environment(svc, user.identity), ...extra };
  let timer: TimerHandle | null = null;
  let child: Child | null = null;
  const clear = (): void => {
    if (timer) clock.clearTimer(timer);
    timer = null;
  };
  try {
    child = host.spawn({ command, env, ...(svc.workingDir !== undefined ? { cwd: svc.workingDir } : {}), ...user.ids, ...(svc.umask !== undefined ? { umask: svc.umask } : {}) }, 'probe', {
      failed: (err) => cantRun(host.describeSpawnError(err, command, svc.workingDir)),
      spawned: (pid) => {
        if (child) void deps.output.attach(tag, child.stdout, child.stderr);
        timer = clock.setTimer(svc.stopTimeout, () => {
          timer = null;
          note(`did not finish within stop-timeout ${formatDuration(svc.stopTimeout)}, sending SIGKILL`);
          host.signalTree(pid, 'SIGKILL');
        });
      },
      exited: (code, signal) => {
        clear();
        if (signal) note(`killed by ${signal}`);
        else if (code !== 0) note(`failed: exited with code ${String(code)}`);
      },
    });
  } catch (err) {
    cantRun(host.describeSpawnError(err, command, svc.workingDir));
  }
}
