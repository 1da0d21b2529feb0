// A driver with no processes: it records what the graph asked for, and the test
// scripts what the "processes" do (spawn, become ready, exit) through the set's
// DriverEvents. `autoReady` makes every start spawn and become ready at once.
import type { DriverEvents, ServiceDriver } from '../../src/core/driver.js';
import type { ServiceConfig } from '../../src/types.js';

export type Call = `${'start' | 'stop' | 'kill'}:${string}`;

export class FakeDriver implements ServiceDriver {
  calls: Call[] = [];
  events!: DriverEvents;
  running = new Set<string>();
  autoReady = true;
  private nextPid = 100;
  pids = new Map<string, number>();

  start(svc: ServiceConfig): void {
    this.calls.push(`start:${svc.name}`);
    this.running.add(svc.name);
    const pid = this.nextPid++;
    this.pids.set(svc.name, pid);
    this.events.spawned(svc.name, pid);
    if (this.autoReady && svc.type === 'process') this.events.ready(svc.name);
    if (this.autoReady && svc.type === 'scripted') this.exit(svc.name, 0);
  }
  private stopRequested = new Set<string>();

  stop(svc: ServiceConfig): void {
    this.calls.push(`stop:${svc.name}`);
    this.stopRequested.add(svc.name);
  }
  kill(name: string): void {
    this.calls.push(`kill:${name}`);
  }
  signal(name: string): boolean {
    return this.running.has(name);
  }
  /** The process of `name` ends. */
  exit(name: string, code: number | null, signal: NodeJS.Signals | null = null): void {
    this.running.delete(name);
    this.stopRequested.delete(name);
    this.events.exited(name, code, signal);
  }
  /** Every process asked to stop exits cleanly. */
  exitStopped(): void {
    for (const name of [...this.stopRequested]) if (this.running.has(name)) this.exit(name, 0);
  }
  take(): Call[] {
    const c = this.calls;
    this.calls = [];
    return c;
  }
}
