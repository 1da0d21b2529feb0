// dinit.yaml as a tree that knows where each node was written. js-yaml's
// event parser (parseEvents) reads the text into a flat list of events that
// carry source offsets; this file folds them into maps, lists, scalars and
// aliases, types plain scalars by YAML 1.2's core schema (null, booleans,
// numbers; everything else a string) and turns a plain `<<` key into MERGE.
// check.ts walks the tree against the key table; every node keeps the offset
// it starts at, so any complaint can say file:line:col.
//
// Why not a library's document model: the `yaml` package's (which dinit used
// first) costs a container's start-up ~15 ms cold for 50 services; the events
// cost ~2 ms (docs/benchmarks.md). `dinit import` still writes YAML with the
// `yaml` package, which keeps comments.

import { boolCoreTag, EVENT_ID, floatCoreTag, getScalarValue, intCoreTag, NOT_RESOLVED, nullCoreTag, parseEvents, SCALAR_STYLE, strTag, type Event, type ScalarEvent } from 'js-yaml';

/** The key of a `<<: *anchor` merge. */
export const MERGE: unique symbol = Symbol('<<');

type ScalarValue = string | number | boolean | null | typeof MERGE;

export interface YScalar {
  kind: 'scalar';
  value: ScalarValue;
  /** Where the scalar is written: [start, end) including quotes, from the `|`/`>` of a block scalar. */
  range: [number, number];
}
export interface YSeq {
  kind: 'seq';
  items: YNode[];
  /** From its `[` or first `-` to the end of its last item. */
  range: [number, number];
}
interface YPair {
  key: YNode;
  value: YNode;
}
export interface YMap {
  kind: 'map';
  items: YPair[];
  /** From its `{` or first key to the end of its last value. */
  range: [number, number];
}
export interface YAlias {
  kind: 'alias';
  /** The anchor's name (`*name`). */
  source: string;
  /** The anchored node, when an anchor of that name was complete before the alias. */
  target: YNode | undefined;
  range: [number, number];
}
export type YNode = YScalar | YSeq | YMap | YAlias;

export const isScalar = (n: unknown): n is YScalar => (n as YNode | null)?.kind === 'scalar';
export const isSeq = (n: unknown): n is YSeq => (n as YNode | null)?.kind === 'seq';
export const isMap = (n: unknown): n is YMap => (n as YNode | null)?.kind === 'map';
export const isAlias = (n: unknown): n is YAlias => (n as YNode | null)?.kind === 'alias';

/** A problem in the YAML itself, at a character offset. */
interface YamlProblem {
  offset: number;
  message: string;
  hint: string;
}

const SYNTAX_HINT = 'fix the YAML syntax; indent with spaces, quote values containing ": " or "#"';

export interface YamlTree {
  /** The document's top node; null for an empty file (or one of only comments). */
  contents: YNode | null;
  problems: YamlProblem[];
}

/** The core schema's implicit types, tried in this order on a plain scalar; none matching means a string. */
const IMPLICIT = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];
const BY_TAG = new Map([strTag, ...IMPLICIT].map((t) => [t.tagName, t]));
const CORE = 'tag:yaml.org,2002:';

/**
 * The most nodes the document may hold once its aliases are expanded. Aliases are pointers here,
 * but the check walks what they point at wherever they are used: without a bound, nine levels
 * of eight `<<: *x` each would keep PID 1 busy for minutes (a "billion laughs"). A config of
 * 1000 services of 50 keys each is ~100,000.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

type Open = { node: YSeq | YMap; anchor: string | undefined; key: YNode | undefined; weight: number };

/** Parses text (one YAML document) into a positioned tree. Never throws: problems are returned. */
export function parseYamlTree(text: string): YamlTree {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch (e) {
    const err = e as { reason?: string; message?: string; mark?: { position?: number } };
    const message = `YAML syntax error: ${plainer(err.reason ?? String(err.message))}`;
    return { contents: null, problems: [{ offset: err.mark?.position ?? 0, message, hint: SYNTAX_HINT }] };
  }
  const problems: YamlProblem[] = [];
  const anchors = new Map<string, YNode>();
  /** Each complete node's size with its aliases expanded. */
  const weights = new Map<YNode, number>();
  let tooBig = false;
  const stack: Open[] = [];
  let contents: YNode | null = null;
  let documents = 0;
  let lastEnd = 0;
  const slice = (start: number, end: number): string | undefined => (start >= 0 ? text.slice(start, end) : undefined);

  const place = (node: YNode, anchor: string | undefined, weight: number): void => {
    if (anchor !== undefined) {
      anchors.set(anchor, node);
      weights.set(node, weight);
    }
    const top = stack[stack.length - 1];
    if (!top) {
      contents = node;
      return;
    }
    top.weight += weight;
    if (top.weight > MAX_EXPANDED_NODES && !tooBig) {
      tooBig = true;
      problems.push({
        offset: node.range[0],
        message: `with its aliases expanded, the document has more than ${MAX_EXPANDED_NODES} nodes`,
        hint: 'write fewer *aliases, or fewer << merges of maps that merge others',
      });
    }
    if (top.node.kind === 'seq') top.node.items.push(node);
    else if (top.key === undefined) top.key = node;
    else {
      top.node.items.push({ key: top.key, value: node });
      top.key = undefined;
    }
  };

  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        if (++documents === 2) problems.push({ offset: lastEnd, message: 'the file holds more than one YAML document', hint: 'remove the second ---' });
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        const range: [number, number] = [ev.start, ev.start];
        const node: YSeq | YMap = ev.type === EVENT_ID.SEQUENCE ? { kind: 'seq', items: [], range } : { kind: 'map', items: [], range };
        if (ev.tagStart >= 0) problems.push({ offset: ev.tagStart, message: `YAML tag ${slice(ev.tagStart, ev.tagEnd)} is not supported here`, hint: 'remove the tag' });
        stack.push({ node, anchor: slice(ev.anchorStart, ev.anchorEnd), key: undefined, weight: 1 });
        lastEnd = Math.max(lastEnd, ev.start + 1);
        break;
      }
      case EVENT_ID.POP: {
        const open = stack.pop();
        if (!open) break; // the document's end
        open.node.range[1] = lastEnd;
        place(open.node, open.anchor, open.weight);
        break;
      }
      case EVENT_ID.SCALAR: {
        const node = scalarOf(text, ev, lastEnd, problems);
        lastEnd = Math.max(lastEnd, node.range[1]);
        const top = stack[stack.length - 1];
        if (node.value === '<<' && ev.style === SCALAR_STYLE.PLAIN && ev.tagStart < 0 && top?.node.kind === 'map' && top.key === undefined) node.value = MERGE;
        place(node, slice(ev.anchorStart, ev.anchorEnd), 1);
        break;
      }
      case EVENT_ID.ALIAS: {
        const source = text.slice(ev.anchorStart, ev.anchorEnd);
        const range: [number, number] = [ev.anchorStart - 1, ev.anchorEnd];
        lastEnd = Math.max(lastEnd, ev.anchorEnd);
        const target = anchors.get(source);
        place({ kind: 'alias', source, target, range }, undefined, target ? (weights.get(target) ?? 1) : 1);
        break;
      }
    }
  }
  return { contents, problems };
}

/** js-yaml's words for the mistakes people make most, said the way they would look for them. */
function plainer(reason: string): string {
  if (reason === 'deficient indentation') return 'this line is indented less than the value above it needs: is a quote, [ or { above it left open?';
  return reason;
}

function scalarOf(text: string, ev: ScalarEvent, after: number, problems: YamlProblem[]): YScalar {
  if (ev.valueStart < 0) return { kind: 'scalar', value: null, range: [after, after] }; // `key:` with nothing after it
  let start = ev.valueStart;
  let end = ev.valueEnd;
  if (ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED) {
    start -= 1;
    end += 1;
  } else if (ev.style === SCALAR_STYLE.LITERAL_BLOCK || ev.style === SCALAR_STYLE.FOLDED_BLOCK) {
    // The content starts on the next line; the scalar is where its | or > is.
    const from = Math.max(after, ev.tagEnd, ev.anchorEnd);
    const indicator = text.slice(from, ev.valueStart).search(/[|>]/);
    if (indicator >= 0) start = from + indicator;
  }
  const range: [number, number] = [start, end];
  const value = getScalarValue(text, ev); // escapes, folding and chomping decoded
  if (ev.tagStart >= 0) {
    const written = text.slice(ev.tagStart, ev.tagEnd);
    const tag = BY_TAG.get(written.startsWith('!!') ? CORE + written.slice(2) : written);
    const typed = tag?.resolve(value, true, tag.tagName);
    if (tag === undefined || typed === undefined || typed === NOT_RESOLVED) {
      problems.push(
        tag
          ? { offset: ev.tagStart, message: `YAML tag ${written} does not fit ${JSON.stringify(value)}`, hint: 'remove the tag, or change the value' }
          : { offset: ev.tagStart, message: `YAML tag ${written} is not supported`, hint: 'remove the tag: dinit.yaml knows only !!str, !!int, !!float, !!bool and !!null' },
      );
      return { kind: 'scalar', value, range };
    }
    return { kind: 'scalar', value: typed, range };
  }
  if (ev.style !== SCALAR_STYLE.PLAIN) return { kind: 'scalar', value, range };
  for (const t of IMPLICIT) {
    const typed = t.resolve(value, false, t.tagName);
    if (typed !== NOT_RESOLVED) return { kind: 'scalar', value: typed, range };
  }
  return { kind: 'scalar', value, range };
}

/**
 * The plain JavaScript value of a node: aliases followed, merges applied under the keys written,
 * duplicate keys the last. No cycle is possible: an alias only points at an anchor complete before it.
 */
export function toJS(node: YNode | null | undefined): unknown {
  if (!node) return null;
  if (node.kind === 'alias') return toJS(node.target);
  if (node.kind === 'scalar') return node.value === MERGE ? '<<' : node.value;
  if (node.kind === 'seq') return node.items.map((n) => toJS(n));
  const out: Record<string, unknown> = {};
  const merged: Record<string, unknown>[] = [];
  for (const { key, value } of node.items) {
    if (!isScalar(key) || key.value !== MERGE) {
      out[String(toJS(key))] = toJS(value);
      continue;
    }
    const v = toJS(value);
    for (const m of (Array.isArray(v) ? v : [v]) as unknown[]) if (m !== null && typeof m === 'object') merged.push(m as Record<string, unknown>);
  }
  // A written key wins over a merged one; of the merged, the first.
  for (const m of merged) for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
  return out;
}

/** The node at a path of map keys and list indexes, or undefined. */
export function getIn(node: YNode | null, path: readonly (string | number)[]): YNode | undefined {
  let at: YNode | undefined = node ?? undefined;
  for (const step of path) {
    if (isAlias(at)) at = at.target;
    if (isSeq(at) && typeof step === 'number') at = at.items[step];
    else if (isMap(at)) at = at.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step))?.value;
    else return undefined;
  }
  return isAlias(at) ? at.target : at;
}
