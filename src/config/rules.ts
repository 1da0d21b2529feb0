// Rules about combinations of keys that the per-key check cannot see: what each
// service type requires or forbids, and that at most one service is `main`.
// They run on the built config and read positions from the checked sections.

import type { Config } from '../types.js';
import type { ServiceEntry } from './check.js';
import type { NameRef } from './convert.js';
import type { Issues } from './source.js';

/** Keys that only make sense for services that run a process. */
const PROCESS_ONLY = ['command', 'stop-command', 'ready', 'health'] as const;

export function checkServiceRules(config: Config, entries: ServiceEntry[], issues: Issues): void {
  const byName = new Map(entries.map((e) => [e.name, e]));
  let firstMain: { name: string; line: number } | undefined;
  for (const svc of config.services) {
    const entry = byName.get(svc.name);
    // The instances of a replica group share their definition: its rules are checked once.
    if (!entry || (entry.replica && entry.replica.index > 1)) continue;
    const sec = entry.section;
    const written = entry.replica?.of ?? svc.name;
    const where = `services.${written}`;
    if (sec.entries.has('replicas') && svc.type !== 'process') {
      issues.add(sec.keyPos('replicas'), `${where}: replicas applies to process services only`, 'remove replicas, or set type: process');
    }
    if (sec.entries.has('schedule') && svc.type !== 'scripted') {
      issues.add(
        sec.keyPos('schedule'),
        `${where}: schedule applies to scripted services only`,
        svc.type === 'process' ? 'to restart a process service on a schedule use restart-schedule; to run a job, set type: scripted' : 'set type: scripted',
      );
    }
    if (sec.entries.has('restart-schedule') && svc.type !== 'process') {
      issues.add(
        sec.keyPos('restart-schedule'),
        `${where}: restart-schedule applies to process services only`,
        svc.type === 'scripted' ? 'to run a scripted service on a schedule use schedule' : 'remove restart-schedule',
      );
    }
    if (sec.entries.has('schedule-timezone') && !sec.entries.has('schedule') && !sec.entries.has('restart-schedule')) {
      issues.add(sec.keyPos('schedule-timezone'), `${where}: schedule-timezone without schedule or restart-schedule`, 'add a schedule, or remove schedule-timezone');
    }
    if (sec.entries.has('schedule') && svc.main) {
      issues.add(sec.keyPos('schedule'), `${where}: main cannot be scheduled (its exit ends the container)`, 'remove schedule, or main: true');
    }
    if (sec.entries.has('replicas') && svc.main) {
      issues.add(sec.keyPos('replicas'), `${where}: main cannot have replicas (its one exit ends the container)`, 'remove replicas, or main: true');
    }
    switch (svc.type) {
      case 'internal':
        for (const key of PROCESS_ONLY) {
          if (sec.entries.has(key)) {
            issues.add(sec.keyPos(key), `${where}: an internal service runs no process, so '${key}' does not apply`, `remove ${key}, or set type: process`);
          }
        }
        if (svc.main) issues.add(sec.keyPos('main'), `${where}: an internal service cannot be main (it never exits)`, 'put main: true on a process service');
        break;
      case 'scripted':
      case 'process':
        if (!sec.entries.has('command') && !hadCommandIssue(issues, where)) {
          issues.add(entry.pos, `service '${written}' has no command`, `add command: [program, args…], or type: internal for a group of dependencies`);
        }
        if (svc.type === 'process' && sec.entries.has('stop-command')) {
          issues.add(sec.keyPos('stop-command'), `${where}: stop-command applies to scripted services only`, 'a process service is stopped with stop-signal; remove stop-command or set type: scripted');
        }
        if (svc.type === 'scripted') {
          for (const key of ['ready', 'health'] as const) {
            if (sec.entries.has(key)) {
              issues.add(sec.keyPos(key), `${where}: a scripted service is started when its command exits 0, so '${key}' does not apply`, `remove ${key}, or set type: process`);
            }
          }
        }
        break;
      default: {
        const never: never = svc.type;
        throw new Error(`unknown service type ${String(never)}`);
      }
    }
    if (svc.main) {
      if (firstMain) {
        issues.add(sec.keyPos('main'), `${where}: only one service can be main, and '${firstMain.name}' already is (line ${firstMain.line})`, 'remove main: true from all but one service');
      } else firstMain = { name: written, line: sec.keyPos('main').line };
    }
  }
}

/**
 * A scheduled service is stopped between runs: a hard (or milestone)
 * dependent would be taken down and held after every run. waits-for and
 * after are fine.
 */
export function checkScheduledDependencies(config: Config, entries: ServiceEntry[], issues: Issues): void {
  const scheduled = new Set(config.services.filter((s) => s.schedule !== undefined).map((s) => s.name));
  if (scheduled.size === 0) return;
  for (const e of entries) {
    if (e.replica && e.replica.index > 1) continue;
    for (const key of ['depends-on', 'depends-ms'] as const) {
      for (const ref of e.section.get<NameRef[]>(key) ?? []) {
        if (scheduled.has(ref.name)) {
          issues.add(
            ref.pos,
            `services.${e.replica?.of ?? e.name}.${key}: '${ref.name}' runs on a schedule, so it cannot be a hard dependency (it is stopped between runs)`,
            `use waits-for: [${ref.name}] or after: [${ref.name}]`,
          );
        }
      }
    }
  }
}

/** A command that was given but invalid was already reported; don't also say it is missing. */
function hadCommandIssue(issues: Issues, where: string): boolean {
  return issues.list.some((i) => i.message.startsWith(`${where}.command:`));
}
