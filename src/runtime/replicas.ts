// Replica groups at the control surface: a group's name (as written in
// dinit.yaml) stands for every instance, and `dinit scale` swaps a group's
// instances in a config without touching the others. Pure over the config and
// the set; the Supervisor applies the result like a reload.

import type { ServiceSet } from '../core/service-set.js';
import type { Config, ServiceConfig } from '../types.js';

/** A replica group's name stands for every instance (not being removed); other names are left as they are. */
export function expandReplicas(cfg: Config, set: ServiceSet, names: string[]): string[] {
  if (!cfg.services.some((c) => c.replicaOf !== undefined)) return names;
  return [
    ...new Set(
      names.flatMap((n) => {
        if (set.has(n)) return [n];
        const instances = set.names().filter((i) => set.get(i)?.cfg.replicaOf === n && set.get(i)?.next !== 'remove');
        return instances.length ? instances : [n];
      }),
    ),
  ];
}

/**
 * `cfg` with the group's `current` instances replaced by `fresh` (those that
 * stay keep their config object, so they run on untouched), in the place of
 * the first one, and every dependency list naming them rewritten likewise.
 */
export function scaledConfig(cfg: Config, current: ServiceConfig[], fresh: ServiceConfig[]): { next: Config; instances: ServiceConfig[] } {
  const old = new Set(current.map((c) => c.name));
  const kept = new Map(current.map((c) => [c.name, c]));
  const instances = fresh.map((c) => kept.get(c.name) ?? c);
  const swap = (list: string[]): string[] => {
    const at = list.findIndex((n) => old.has(n));
    return at < 0 ? list : [...list.slice(0, at).filter((n) => !old.has(n)), ...instances.map((c) => c.name), ...list.slice(at).filter((n) => !old.has(n))];
  };
  const services: ServiceConfig[] = [];
  for (const c of cfg.services) {
    if (old.has(c.name)) {
      if (c === current[0]) services.push(...instances);
      continue;
    }
    services.push({ ...c, dependsOn: swap(c.dependsOn), dependsMs: swap(c.dependsMs), waitsFor: swap(c.waitsFor), after: swap(c.after), before: swap(c.before) });
  }
  return { next: { ...cfg, services }, instances };
}
