// Rules about combinations of keys that the per-key check cannot see: what each
// service type requires or forbids, and that at most one service is `main`.
// They run on the built config and read positions from the checked sections.

import type { Config } from '../types.js';
import type { ServiceEntry } from './check.js';
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

/** A command that was given but invalid was already reported; don't also say it is missing. */
function hadCommandIssue(issues: Issues, where: string): boolean {
  return issues.list.some((i) => i.message.startsWith(`${where}.command:`));
}
