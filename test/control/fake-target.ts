// A scripted ControlTarget for the protocol and CLI tests: it answers from a
// small in-memory service table, records every call, and lets a test push log
// lines to followers or make a verb throw. Also: temp socket paths and a
// captured CliIO.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../src/cli/context.js';
import { svc } from '../helpers/service-config.js';
import type { ControlTarget, Counters, EventRecord, HealthResult, LogLine, OpResult, OrphanInfo, ReloadResult, ScaleResult } from '../../src/control/target.js';
import { ConfigError, DinitError } from '../../src/errors.js';
import type { Config, ResourceFigures, ServiceConfig, ServiceStatus } from '../../src/types.js';

export function svcStatus(name: string, over: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    name,
    type: 'process',
    state: 'started',
    target: 'up',
    pid: 100,
    since: Date.now() - 192_000,
    restarts: 0,
    ready: true,
    failed: false,
    exitCode: null,
    exitSignal: null,
    reason: null,
    statusText: null,
    health: null,
    ...over,
  };
}

export function svcConfig(name: string, over: Partial<ServiceConfig> = {}): ServiceConfig {
  return svc(name, { command: ['sleep', '1000'], ...over });
}

export function sampleConfig(): Config {
  return {
    file: '/etc/dinit.yaml',
    options: { shutdownTimeout: 25_000, logFormat: 'text', timestamps: false, onFailure: 'continue', orphans: 'reap' },
    environment: { SECRET: 'hunter2' },
    services: [
      svcConfig('db', { environment: { PGPASSWORD: 'pw' } }),
      svcConfig('migrate', { type: 'scripted', dependsOn: ['db'] }),
      svcConfig('cache'),
      svcConfig('web', { dependsOn: ['db'], dependsMs: ['migrate'], waitsFor: ['cache'], after: ['cache'] }),
      svcConfig('all', { type: 'internal', command: [], dependsOn: ['web'] }),
    ],
  };
}

export interface Call {
  verb: string;
  args: unknown[];
}

export class FakeTarget implements ControlTarget {
  calls: Call[] = [];
  services: ServiceStatus[] = [svcStatus('db', { pid: 42 }), svcStatus('web', { pid: 43 })];
  lines: LogLine[] = [];
  followers = new Set<(l: LogLine) => void>();
  /** verb → error to throw (or reject with). */
  failWith = new Map<string, Error>();
  opResult: OpResult = { ok: true, failures: [] };
  reloadResult: ReloadResult = { added: ['cache'], removed: ['old'], changed: ['web'], updated: ['worker'] };
  healthResult: HealthResult = { ok: true, problems: [] };
  cfg: Config = sampleConfig();
  /** Resolvers of calls that block until the test lets them go. */
  holdWait = false;
  private released: (() => void)[] = [];

  private record(verb: string, ...args: unknown[]): void {
    this.calls.push({ verb, args });
    const e = this.failWith.get(verb);
    if (e !== undefined) throw e;
  }

  private known(names: string[]): void {
    const unknown = names.filter((n) => !this.services.some((s) => s.name === n));
    if (unknown.length) throw new DinitError('UNKNOWN_SERVICE', `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  }

  status(names: string[]): ServiceStatus[] {
    this.record('status', names);
    this.known(names);
    return names.length ? this.services.filter((s) => names.includes(s.name)) : this.services;
  }
  async start(names: string[], wait: boolean): Promise<OpResult> {
    this.record('start', names, wait);
    this.known(names);
    return this.opResult;
  }
  async stop(names: string[], wait: boolean): Promise<OpResult> {
    this.record('stop', names, wait);
    this.known(names);
    return this.opResult;
  }
  async restart(names: string[], wait: boolean): Promise<OpResult> {
    this.record('restart', names, wait);
    this.known(names);
    return this.opResult;
  }
  signal(name: string, signal: NodeJS.Signals): void {
    this.record('signal', name, signal);
    this.known([name]);
  }
  logs(names: string[], n: number): LogLine[] {
    this.record('logs', names, n);
    const sel = this.lines.filter((l) => names.length === 0 || names.includes(l.service));
    return n === 0 ? [] : sel.slice(-n);
  }
  followLogs(names: string[], onLine: (line: LogLine) => void): () => void {
    this.record('followLogs', names);
    const f = (l: LogLine): void => {
      if (names.length === 0 || names.includes(l.service)) onLine(l);
    };
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
  async scale(name: string, count: number): Promise<ScaleResult> {
    this.record('scale', name, count);
    this.known([name]);
    return { name, from: 2, to: count, added: count > 2 ? [`${name}-3`] : [], removed: count < 2 ? [`${name}-2`] : [], failures: [] };
  }
  eventFollowers = new Set<(r: EventRecord) => void>();
  followEvents(names: string[], onEvent: (ev: EventRecord) => void): () => void {
    this.record('followEvents', names);
    this.known(names);
    const f = (r: EventRecord): void => {
      if (names.length === 0 || names.includes(r.service)) onEvent(r);
    };
    this.eventFollowers.add(f);
    return () => this.eventFollowers.delete(f);
  }
  /** A state change to every events follower. */
  change(service: string, event: EventRecord['event'], reason: string | null = null): void {
    const r: EventRecord = { time: Date.now(), service, event, pid: null, reason };
    for (const f of this.eventFollowers) f(r);
  }
  emit(service: string, line: string): void {
    const l: LogLine = { time: Date.now(), service, stream: 'stdout', line };
    this.lines.push(l);
    for (const f of this.followers) f(l);
  }
  async reload(): Promise<ReloadResult> {
    this.record('reload');
    return this.reloadResult;
  }
  async shutdown(): Promise<void> {
    this.record('shutdown');
  }
  /** Readiness: healthResult as set by the test. Liveness: failed rows, as core/status.ts liveness() says. */
  health(probe: 'live' | 'ready' = 'ready'): HealthResult {
    this.record('health');
    if (probe === 'live') {
      const problems = this.services.filter((s) => s.failed).map((s) => `${s.name}: failed${s.reason ? ` (${s.reason})` : ''}`);
      return { ok: problems.length === 0, problems };
    }
    return this.healthResult;
  }
  config(): Config {
    this.record('config');
    return this.cfg;
  }
  async wait(names: string[], timeoutMs: number): Promise<OpResult> {
    this.record('wait', names, timeoutMs);
    if (this.holdWait) await new Promise<void>((r) => this.released.push(r));
    return this.opResult;
  }
  orphanList: OrphanInfo[] = [];
  orphans(): OrphanInfo[] {
    this.record('orphans');
    return this.orphanList;
  }
  figures: Record<string, ResourceFigures> = { db: { cpuSeconds: 12.5, cpuPercent: 3.25, rssBytes: 52_428_800, processes: 2 } };
  resources(names: string[]): Record<string, ResourceFigures> {
    this.record('resources', names);
    return Object.fromEntries(Object.entries(this.figures).filter(([n]) => names.length === 0 || names.includes(n)));
  }
  counterValues: Counters = {
    healthFailures: { web: 2 },
    droppedLines: { db: 7 },
    self: { cpuUserSeconds: 1.5, cpuSystemSeconds: 0.5, rssBytes: 60_000_000, heapBytes: 9_000_000, startTimeSeconds: 1_700_000_000, openFds: 21, maxFds: 1024 },
  };
  counters(): Counters {
    this.record('counters');
    return this.counterValues;
  }
  release(): void {
    for (const r of this.released.splice(0)) r();
  }
}

export function sampleConfigError(): ConfigError {
  return new ConfigError([
    { pos: { file: '/etc/dinit.yaml', line: 3, col: 5 }, message: "unknown key 'depend-on'", hint: "did you mean 'depends-on'?" },
    { pos: { file: '/etc/dinit.yaml', line: 9, col: 14 }, message: "invalid duration '10 sec'" },
  ]);
}

export function tempDir(prefix = 'dinit-ctl-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CapturedIO extends CliIO {
  stdout: string;
  stderr: string;
  abort(): void;
}

export function captureIO(isTTY = false): CapturedIO {
  const controller = new AbortController();
  const io: CapturedIO = {
    stdout: '',
    stderr: '',
    isTTY,
    out(t) {
      io.stdout += t;
    },
    err(t) {
      io.stderr += t;
    },
    interrupted: () => controller.signal,
    abort: () => controller.abort(),
  };
  return io;
}

/** Poll a condition until it holds, or fail after `ms` (for state, not for timing). */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
