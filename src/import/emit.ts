// A Conversion → dinit.yaml text, with comments: a header saying where it
// came from, `# from …` above each service and `# not converted: KEY = VALUE
// (why)` beside it. The text is then checked by the real config loader (the
// one `dinit check` runs): a converted key the loader rejects in context
// (stop-command on a process service, say) is taken back out and kept as a
// not-converted note with the loader's reason, so what we write passes
// `dinit check` whenever the problem is one key's.

import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node, type YAMLMap } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { parseConfig } from '../config/load.js';
import type { Conversion, Draft, NotConverted } from './draft.js';

/** Keys whose list values read best on one line. */
const FLOW = new Set(['command', 'stop-command', 'on-exit', 'exec', 'depends-on', 'depends-ms', 'waits-for', 'after', 'before', 'success-exit-codes']);

export interface Emitted {
  text: string;
  /** Problems `dinit check` still finds in the output (not tied to one converted key). */
  problems: string[];
}

export function formatNotConverted(n: NotConverted): string {
  const value = n.value.replace(/\s*\n\s*/g, ' ');
  return `not converted: ${n.key} = ${value.length > 120 ? value.slice(0, 117) + '...' : value} (${n.why})`;
}

function nest(keys: Map<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of keys) {
    const parts = path.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof at[p] !== 'object' || at[p] === null) at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1] as string] = value;
  }
  return out;
}

function flowLists(node: unknown, key?: string): void {
  if (isSeq(node) && key && FLOW.has(key)) node.flow = true;
  if (isMap(node)) for (const p of node.items) flowLists(p.value, isScalar(p.key) ? String(p.key.value) : undefined);
}

function render(c: Conversion): string {
  const doc = new Document({});
  const header = [` dinit.yaml converted by \`dinit import\` from ${c.source} (${c.format}).`, ' Settings with no dinit equivalent are kept as "# not converted:" comments.'];
  for (const n of c.notes) header.push(` note: ${n}`);
  for (const n of c.notConverted) header.push(` ${formatNotConverted(n)}`);
  doc.commentBefore = header.join('\n');
  if (Object.keys(c.environment).length > 0) doc.set('environment', doc.createNode(c.environment));
  const services = doc.createNode({}) as YAMLMap;
  for (const d of c.services) {
    const body = doc.createNode(nest(d.keys)) as YAMLMap;
    flowLists(body);
    if (d.notConverted.length > 0) body.comment = d.notConverted.map((n) => ` ${formatNotConverted(n)}`).join('\n');
    const key = new Scalar(d.name);
    key.commentBefore = ` from ${d.from}`;
    services.items.push(doc.createPair(key, body));
  }
  doc.set('services', services);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Line ranges of each `services.NAME.KEY` in the text. */
function keyLines(text: string): { service: string; key: string; from: number; to: number }[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const services = doc.get('services', true);
  const out: { service: string; key: string; from: number; to: number }[] = [];
  if (!isMap(services)) return out;
  for (const s of services.items) {
    if (!isPair(s) || !isScalar(s.key) || !isMap(s.value)) continue;
    for (const k of s.value.items) {
      const kn = k.key as Node | null;
      const vn = k.value as Node | null;
      if (!isScalar(kn) || !kn.range) continue;
      const end = vn?.range?.[1] ?? kn.range[1];
      out.push({ service: String(s.key.value), key: String(kn.value), from: lc.linePos(kn.range[0]).line, to: lc.linePos(Math.max(kn.range[0], end - 1)).line });
    }
  }
  return out;
}

/** Take a key (and its nested keys) out of a draft, keeping it as a not-converted note with the loader's reason. */
function demote(d: Draft, top: string, issue: ConfigIssue): void {
  for (const k of [...d.keys.keys()]) {
    if (k !== top && !k.startsWith(`${top}.`)) continue;
    const orig = d.origins.get(k);
    d.keys.delete(k);
    if (orig && !d.notConverted.some((n) => n.key === orig.key)) {
      d.notConverted.push({ ...orig, why: issue.message.replace(/^(service '[^']*'(, key '[^']*')?|services\.[^:\s]+): /, '') });
    }
  }
}

/**
 * Render, check with the config loader as if the text were `outFile`, and
 * take out keys the loader rejects, until it passes or nothing more can be
 * taken out (three rounds are plenty: each round removes every rejected key).
 */
export function emit(c: Conversion, outFile: string, env: NodeJS.ProcessEnv): Emitted {
  // ${VAR}s in the output (supervisord's %(ENV_X)s) are read where dinit will
  // run, not here: check as if every variable were set.
  const anyVar = new Proxy(env, { get: (t, k) => (typeof k === 'string' && t[k] === undefined ? 'x' : t[k as string]) });
  for (let round = 0; ; round++) {
    const text = render(c);
    let issues: ConfigIssue[];
    try {
      parseConfig(text, outFile, anyVar);
      return { text, problems: [] };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues = e.issues;
    }
    const ranges = keyLines(text);
    let demoted = 0;
    const problems: string[] = [];
    for (const issue of issues) {
      const r = issue.pos.file === outFile ? ranges.find((x) => issue.pos.line >= x.from && issue.pos.line <= x.to) : undefined;
      const d = r && c.services.find((s) => s.name === r.service);
      if (round < 3 && d && [...d.keys.keys()].some((k) => (k === r.key || k.startsWith(`${r.key}.`)) && d.origins.has(k))) {
        demote(d, r.key, issue);
        demoted++;
      } else {
        const where = issue.pos.file === outFile ? `line ${issue.pos.line}` : `${issue.pos.file}:${issue.pos.line}:${issue.pos.col}`;
        problems.push(`${where}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`);
      }
    }
    if (demoted === 0) return { text, problems };
  }
}
