// Config → the dependency graph as Graphviz dot or Mermaid text. Pure.
//
// Edges point from a service to what it needs (web → db), one style per kind
// so the picture shows the semantics: depends-on solid (hard: rolled back
// together), depends-ms bold and labelled (milestone: needed to start only),
// waits-for dashed (soft), after/before dotted (ordering only). `before: [x]`
// on a is drawn as x → a, the same edge as `after: [a]` on x; duplicates are
// drawn once. Node shape says the type: process box, scripted rounded,
// internal (a group) dashed.

import type { Config, ServiceConfig } from '../types.js';

export type GraphFormat = 'dot' | 'mermaid';
type EdgeKind = 'depends-on' | 'depends-ms' | 'waits-for' | 'after';

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
}

export function graphEdges(config: Config): GraphEdge[] {
  const seen = new Set<string>();
  const edges: GraphEdge[] = [];
  const add = (from: string, to: string, kind: EdgeKind): void => {
    const key = `${from}\0${to}\0${kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, kind });
  };
  for (const s of config.services) {
    for (const d of s.dependsOn) add(s.name, d, 'depends-on');
    for (const d of s.dependsMs) add(s.name, d, 'depends-ms');
    for (const d of s.waitsFor) add(s.name, d, 'waits-for');
    for (const d of s.after) add(s.name, d, 'after');
    for (const d of s.before) add(d, s.name, 'after');
  }
  return edges;
}

export function formatGraph(config: Config, format: GraphFormat): string {
  switch (format) {
    case 'dot':
      return toDot(config);
    case 'mermaid':
      return toMermaid(config);
    default: {
      const never: never = format;
      throw new Error(`unknown graph format ${String(never)}`);
    }
  }
}

function dotQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function dotNode(s: ServiceConfig): string {
  const attrs: string[] = [];
  switch (s.type) {
    case 'process':
      break;
    case 'scripted':
      attrs.push('style=rounded');
      break;
    case 'internal':
      attrs.push('style=dashed');
      break;
    default: {
      const never: never = s.type;
      throw new Error(`unknown service type ${String(never)}`);
    }
  }
  if (s.main) attrs.push('penwidth=2');
  return `  ${dotQuote(s.name)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`;
}

const DOT_EDGE: Record<EdgeKind, string> = {
  'depends-on': '',
  'depends-ms': ' [style=bold, label="milestone"]',
  'waits-for': ' [style=dashed, label="waits-for"]',
  after: ' [style=dotted, label="after"]',
};

function toDot(config: Config): string {
  const lines = ['digraph dinit {', '  rankdir=LR;', '  node [shape=box];'];
  for (const s of config.services) lines.push(dotNode(s));
  for (const e of graphEdges(config)) lines.push(`  ${dotQuote(e.from)} -> ${dotQuote(e.to)}${DOT_EDGE[e.kind]};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function mermaidLabel(s: string): string {
  return `"${s.replace(/"/g, '#quot;')}"`;
}

function toMermaid(config: Config): string {
  // Ids are positional: service names may hold characters Mermaid ids cannot.
  const ids = new Map(config.services.map((s, i) => [s.name, `s${i}`]));
  const id = (name: string): string => ids.get(name) ?? `x_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const lines = ['flowchart LR'];
  for (const s of config.services) {
    const label = mermaidLabel(s.name);
    const shape = s.type === 'scripted' ? `(${label})` : s.type === 'internal' ? `{{${label}}}` : `[${label}]`;
    lines.push(`  ${id(s.name)}${shape}`);
  }
  const dotted: number[] = [];
  graphEdges(config).forEach((e, i) => {
    const arrow = e.kind === 'depends-on' ? '-->' : e.kind === 'depends-ms' ? '==>|milestone|' : e.kind === 'waits-for' ? '-.->|waits-for|' : '-.->|after|';
    if (e.kind === 'after') dotted.push(i);
    lines.push(`  ${id(e.from)} ${arrow} ${id(e.to)}`);
  });
  if (dotted.length) lines.push(`  linkStyle ${dotted.join(',')} stroke-dasharray: 2 4`);
  return lines.join('\n') + '\n';
}
