// Resolving `user:` specs against /etc/passwd and /etc/group, the way Docker's
// USER does: "name", "uid", "name:group", "uid:gid" (either side a name or a
// number). The result carries the supplementary groups the user is listed in
// (plus the primary group), as initgroups() would give a login — so a service
// run as www-data can still read files of the groups www-data belongs to.
//
// A numeric uid with no passwd entry is allowed (scratch/distroless images
// often have no passwd at all): gid = uid unless given, no supplementary
// groups. A name that cannot be found is an error naming the file searched.

import { readFileSync } from 'node:fs';
import { DinitError } from '../errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups, primary gid first. Empty for an unknown numeric uid. */
  groups: number[];
  name?: string;
  home?: string;
}

export interface UserFiles {
  /** Path of the passwd file (default /etc/passwd). */
  passwd: string;
  /** Path of the group file (default /etc/group). */
  group: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const NUMERIC = /^\d+$/;

function fail(message: string, spec: string, cause?: unknown): never {
  throw new DinitError('OPERATION_FAILED', message, { user: spec }, cause);
}

function readLines(path: string): { lines: string[]; error?: NodeJS.ErrnoException } {
  try {
    return { lines: readFileSync(path, 'utf8').split('\n') };
  } catch (err) {
    return { lines: [], error: err as NodeJS.ErrnoException };
  }
}

function parsePasswd(lines: string[]): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of lines) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.split(':');
    const [name, , uid, gid, , home] = f;
    if (!name || !uid || !gid || !NUMERIC.test(uid) || !NUMERIC.test(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '' });
  }
  return out;
}

function parseGroup(lines: string[]): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of lines) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [name, , gid, members] = line.split(':');
    if (!name || !gid || !NUMERIC.test(gid)) continue;
    out.push({
      name,
      gid: Number(gid),
      members: (members ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    });
  }
  return out;
}

function checkId(n: number, spec: string): number {
  if (!Number.isSafeInteger(n) || n > 0xfffffffe) fail(`invalid user spec '${spec}': id ${n} is out of range`, spec);
  return n;
}

export function resolveUser(spec: string, files: UserFiles = { passwd: '/etc/passwd', group: '/etc/group' }): ResolvedUser {
  const parts = spec.trim().split(':');
  const userPart = parts[0] ?? '';
  const groupPart = parts[1];
  if (parts.length > 2 || userPart === '' || groupPart === '') {
    fail(`invalid user spec '${spec}' (expected name, uid, name:group or uid:gid)`, spec);
  }
  const pw = readLines(files.passwd);
  const users = parsePasswd(pw.lines);
  let groupsFile: { entries: GroupEntry[]; error?: NodeJS.ErrnoException } | undefined;
  const groupEntries = (): { entries: GroupEntry[]; error?: NodeJS.ErrnoException } => {
    if (!groupsFile) {
      const g = readLines(files.group);
      groupsFile = g.error ? { entries: parseGroup(g.lines), error: g.error } : { entries: parseGroup(g.lines) };
    }
    return groupsFile;
  };

  let entry: PasswdEntry | undefined;
  let uid: number;
  let gid: number;
  if (NUMERIC.test(userPart)) {
    uid = checkId(Number(userPart), spec);
    entry = users.find((u) => u.uid === uid);
    gid = entry ? entry.gid : uid;
  } else {
    entry = users.find((u) => u.name === userPart);
    if (!entry) {
      const why = pw.error ? `${files.passwd} cannot be read (${pw.error.code ?? pw.error.message})` : `not in ${files.passwd}`;
      fail(`unknown user '${userPart}' (${why})`, spec, pw.error);
    }
    uid = entry.uid;
    gid = entry.gid;
  }

  if (groupPart !== undefined) {
    if (NUMERIC.test(groupPart)) gid = checkId(Number(groupPart), spec);
    else {
      const { entries, error } = groupEntries();
      const g = entries.find((e) => e.name === groupPart);
      if (!g) {
        const why = error ? `${files.group} cannot be read (${error.code ?? error.message})` : `not in ${files.group}`;
        fail(`unknown group '${groupPart}' (${why})`, spec, error);
      }
      gid = g.gid;
    }
  }

  const groups: number[] = [];
  if (entry) {
    groups.push(gid);
    for (const g of groupEntries().entries) if (g.members.includes(entry.name) && !groups.includes(g.gid)) groups.push(g.gid);
  }
  const out: ResolvedUser = { uid, gid, groups };
  if (entry) {
    out.name = entry.name;
    out.home = entry.home;
  }
  return out;
}
