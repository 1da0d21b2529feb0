// The graph the chaos suite attacks, and a seeded random source to attack it.
//
// About twenty services covering every dependency kind (depends-on,
// depends-ms, waits-for, after/before), every type (process, scripted,
// internal), smooth recovery, restart limits and a readiness probe. Processes
// are `sleep`s (cheap on a 2-core machine), some with a second `sleep` in their
// session so that killing only the leader leaves something behind that dinit
// must clean up. A reload generation toggles optional leaf services and
// changes commands, so SIGHUP adds, removes and restarts services. The whole
// config is a pure function of (seed, generation): a failure replays exactly.
import { renameSync, writeFileSync } from 'node:fs';

import { prng } from '../helpers/prng.js';
export { prng };

export interface Rand {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function rand(seed: number): Rand {
  const next = prng(seed);
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)] as never,
    chance: (p) => next() < p,
  };
}

const sleeper = (n: number): string => `sleep ${100000 + n}`;
/** A leader with a second process in its session: killing only the leader leaves the other behind. */
const pair = (n: number): string => JSON.stringify(['sh', '-c', `sleep ${200000 + n} & exec sleep ${100000 + n}`]);
const fast = 'restart-delay: 20ms, stop-timeout: 2s';

/** Services whose presence a reload toggles; nothing depends on them. */
export const OPTIONAL = ['x1', 'x2', 'x3', 'x4', 'x5'] as const;
/** Services whose command a reload may change (their dependents come back with them). */
const CHANGEABLE = ['base', 'db', 'cache', 'api', 'worker', 'web', 'metrics', 'sidecar', 'x1', 'x2'] as const;

/** A crasher that fails for good (restart-limit) within about a second. */
export const DOOMED = 'flaky';

export interface Generation {
  /** Optional services present. */
  present: Set<string>;
  /** Per changeable service, a variant number folded into its command. */
  variant: Map<string, number>;
}

export function firstGeneration(): Generation {
  return { present: new Set(['x1', 'x3']), variant: new Map() };
}

/** The next generation: toggle one or two optional services, change one or two commands. */
export function mutate(g: Generation, r: Rand): { next: Generation; what: string } {
  const present = new Set(g.present);
  const variant = new Map(g.variant);
  const what: string[] = [];
  for (let i = 0, n = 1 + r.int(2); i < n; i++) {
    const x = r.pick(OPTIONAL);
    if (present.delete(x)) what.push(`-${x}`);
    else {
      present.add(x);
      what.push(`+${x}`);
    }
  }
  for (let i = 0, n = r.int(3); i < n; i++) {
    const c = r.pick(CHANGEABLE);
    variant.set(c, (variant.get(c) ?? 0) + 1);
    what.push(`~${c}`);
  }
  return { next: { present, variant }, what: what.join(' ') };
}

export function configYaml(g: Generation): string {
  const v = (name: string): number => g.variant.get(name) ?? 0;
  const lines = [
    'options: { shutdown-timeout: 20s }',
    'services:',
    `  base: { command: ${sleeper(v('base'))}, ${fast}, restart: always }`,
    `  db: { command: ${pair(v('db'))}, depends-on: [base], ${fast}, restart: on-failure }`,
    `  cache: { command: ${sleeper(10 + v('cache'))}, smooth-recovery: true, ${fast} }`,
    '  migrate: { type: scripted, command: "true", stop-command: "true", depends-on: [db] }',
    `  early: { command: ${sleeper(20)}, before: [api], ${fast} }`,
    `  api: { command: ${pair(30 + v('api'))}, depends-on: [db, migrate], waits-for: [cache], ${fast} }`,
    `  worker: { command: ${sleeper(40 + v('worker'))}, depends-on: [api], restart-delay: 50ms, restart-limit: { count: 3, interval: 10s } }`,
    `  web: { command: ${sleeper(50 + v('web'))}, depends-ms: [api], after: [worker], ${fast} }`,
    `  metrics: { command: ${sleeper(60 + v('metrics'))}, waits-for: [web], restart: on-failure, ${fast} }`,
    `  logger: { command: ["sh", "-c", "echo ready; exec sleep 100070"], ready: { log: "^ready$", interval: 50ms }, ${fast} }`,
    '  app: { type: internal, depends-on: [web, worker] }',
    `  cron: { command: ${sleeper(80)}, restart: never, ${fast} }`,
    `  ${DOOMED}: { command: ["sh", "-c", "sleep 0.2; exit 3"], restart-delay: 20ms, restart-limit: { count: 2, interval: 10s } }`,
    `  sidecar: { command: ${pair(90 + v('sidecar'))}, depends-on: [cache], smooth-recovery: true, ${fast} }`,
    '  setup: { type: scripted, command: ["sh", "-c", "exit 0"], auto-start: false }',
    '  batch: { type: scripted, command: "true", depends-ms: [setup] }',
    `  lazy: { command: ${sleeper(110)}, auto-start: false, ${fast} }`,
    `  consumer: { command: ${sleeper(120)}, depends-on: [lazy, logger], ${fast} }`,
  ];
  const extra: Record<string, string> = {
    x1: `{ command: ${sleeper(130 + v('x1'))}, depends-on: [api], ${fast} }`,
    x2: `{ command: ${pair(140 + v('x2'))}, waits-for: [db], smooth-recovery: true, ${fast} }`,
    x3: `{ command: ${sleeper(150)}, depends-ms: [base], after: [cache], ${fast} }`,
    x4: `{ type: scripted, command: "true", depends-on: [worker] }`,
    x5: '{ type: internal, depends-on: [early, base] }',
  };
  for (const x of OPTIONAL) if (g.present.has(x)) lines.push(`  ${x}: ${extra[x]}`);
  return lines.join('\n') + '\n';
}

/** Replace the config file atomically, so a reload never reads half of it. */
export function writeAtomically(file: string, text: string): void {
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}
