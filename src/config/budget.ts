// How long an orderly stop can take in the worst case. Dependents stop before
// what they depend on, so the stop-timeouts along a dependency chain add up;
// independent chains stop in parallel. The worst case is the heaviest chain
// (over every kind of ordering edge). `dinit check` prints the warnings: past
// options.shutdown-timeout dinit kills what remains, and past Docker's 10 s
// grace period `docker stop` kills dinit itself.

import type { Config, ServiceConfig } from '../types.js';
import { formatDuration } from '../units.js';

export const DOCKER_GRACE_MS = 10_000;

/** Time a service may take to stop: only running processes (and stop-commands) take any. */
function stopCost(s: ServiceConfig): number {
  if (s.type === 'internal') return 0;
  if (s.type === 'scripted' && !s.stopCommand) return 0;
  return s.stopTimeout;
}

export function shutdownBudget(config: Config): { worstMs: number; chain: string[]; warnings: string[] } {
  const byName = new Map(config.services.map((s) => [s.name, s]));
  // Edges a → b: a stops before b (a needs b). `before` written on b points here too.
  const needs = new Map<string, Set<string>>(config.services.map((s) => [s.name, new Set([...s.dependsOn, ...s.dependsMs, ...s.waitsFor, ...s.after])]));
  for (const s of config.services) for (const t of s.before) needs.get(t)?.add(s.name);
  const memo = new Map<string, { ms: number; chain: string[] }>();
  const heaviest = (name: string, onPath: Set<string>): { ms: number; chain: string[] } => {
    const known = memo.get(name);
    if (known) return known;
    const svc = byName.get(name);
    if (!svc || onPath.has(name)) return { ms: 0, chain: [] }; // unknown or cyclic: validated elsewhere
    onPath.add(name);
    let best = { ms: 0, chain: [] as string[] };
    for (const dep of needs.get(name) ?? []) {
      const r = heaviest(dep, onPath);
      if (r.ms > best.ms || (r.ms === best.ms && r.chain.length > best.chain.length)) best = r;
    }
    onPath.delete(name);
    const result = { ms: stopCost(svc) + best.ms, chain: [name, ...best.chain] };
    memo.set(name, result);
    return result;
  };
  let worst = { ms: 0, chain: [] as string[] };
  for (const s of config.services) {
    const r = heaviest(s.name, new Set());
    if (r.ms > worst.ms) worst = r;
  }
  const warnings: string[] = [];
  const cap = config.options.shutdownTimeout;
  const path = worst.chain.join(' -> ');
  const costly = worst.chain
    .filter((n) => stopCost(byName.get(n) as ServiceConfig) > 0)
    .sort((a, b) => stopCost(byName.get(b) as ServiceConfig) - stopCost(byName.get(a) as ServiceConfig))
    .slice(0, 3)
    .join(', ');
  if (worst.ms > cap) {
    warnings.push(
      `an orderly stop can take up to ${formatDuration(worst.ms)} (stop-timeouts along ${path}), more than options.shutdown-timeout ${formatDuration(cap)}; what still runs then is killed: lower stop-timeout of ${costly}, or raise options.shutdown-timeout to ${formatDuration(worst.ms)}`,
    );
  }
  const effective = Math.min(worst.ms, cap);
  if (effective > DOCKER_GRACE_MS) {
    const secs = Math.ceil(effective / 1000) + 1;
    warnings.push(
      `shutdown can take up to ${formatDuration(effective)} but docker stop waits only 10s before killing the container: run \`docker stop -t ${secs}\` (compose: stop_grace_period: ${secs}s), or lower stop-timeout of ${costly} and options.shutdown-timeout below 10s`,
    );
  }
  return { worstMs: worst.ms, chain: worst.chain, warnings };
}
