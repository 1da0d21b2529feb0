// A Supervisor on a fake host and the fake clock: the runtime's rules run
// in-process, in milliseconds, with no real process (dinit's proctests.cc style).
import type { LogLine } from '../../src/control/target.js';
import { Supervisor, type SupervisorLog } from '../../src/runtime/supervisor.js';
import type { Config, ServiceConfig } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeHost, settle } from '../helpers/fake-host.js';
import { config } from '../helpers/service-config.js';

export { settle } from '../helpers/fake-host.js';

/** The log side: `[dinit]` lines kept, service output scripted with `line()`. */
export class FakeLog implements SupervisorLog {
  readonly dinitLines: string[] = [];
  private readonly subs = new Map<string, Set<(line: string) => void>>();
  attach(): Promise<void> {
    return Promise.resolve();
  }
  onLine(name: string, cb: (line: string) => void): () => void {
    const set = this.subs.get(name) ?? new Set();
    this.subs.set(name, set);
    set.add(cb);
    return () => set.delete(cb);
  }
  /** The service writes one line of output. */
  line(name: string, text: string): void {
    for (const cb of [...(this.subs.get(name) ?? [])]) cb(text);
  }
  dinit(message: string): void {
    this.dinitLines.push(message);
  }
  tail(): LogLine[] {
    return [];
  }
  follow(): () => void {
    return () => {};
  }
  configure(): void {}
}

export interface Rig {
  host: FakeHost;
  clock: FakeClock;
  log: FakeLog;
  sup: Supervisor;
  row(name: string): ReturnType<Supervisor['status']>[number];
  /** The pid of the service's running process (its command is `svc-<name>`). */
  pid(name: string): number;
  /** Advance the fake clock, then let the runtime react. */
  advance(ms: number): Promise<void>;
}

/** Each service's command is `svc-<name>` so the fake host's records say whose process it is. */
export async function rig(services: ServiceConfig[], options: Partial<Config['options']> = {}): Promise<Rig> {
  const host = new FakeHost();
  const clock = new FakeClock();
  const log = new FakeLog();
  const cfg = config(
    services.map((s) => (s.command[0] === 'true' ? { ...s, command: [`svc-${s.name}`] } : s)),
    options,
  );
  const sup = new Supervisor({ config: cfg, log, loadConfig: () => cfg, env: { PATH: '/bin' }, host, clock });
  sup.boot();
  await settle();
  const row = (n: string) => sup.status([n])[0]!;
  return {
    host,
    clock,
    log,
    sup,
    row,
    pid(name) {
      const pid = row(name).pid;
      if (pid === null) throw new Error(`${name} has no pid (${row(name).state})`);
      return pid;
    },
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
  };
}
