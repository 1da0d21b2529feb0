// Reading dinit.yaml keeps every node's position: the YAML is parsed into a
// positioned tree (yaml-tree.ts), not plain JS, so any later step can point at
// file:line:col of the key or value it complains about. Duplicate keys are not
// fatal to the parser; check.ts reports each one itself. Problems are
// collected in an Issues list and thrown together at the end.

import type { ConfigIssue } from '../errors.js';
import type { SourcePos } from '../types.js';
import { parseYamlTree, type YNode } from './yaml-tree.js';

export class Issues {
  readonly list: ConfigIssue[] = [];
  add(pos: SourcePos, message: string, hint?: string): void {
    this.list.push(hint ? { pos, message, hint } : { pos, message });
  }
  get count(): number {
    return this.list.length;
  }
}

export interface Source {
  file: string;
  text: string;
  /** The document's top node; null for an empty file. */
  contents: YNode | null;
  /** Position of a character offset. */
  at(offset: number): SourcePos;
  /** Position where a node starts (the file's start if it has none). */
  pos(node: YNode | null | undefined): SourcePos;
  /** The node's text as written (e.g. `022` for a YAML number). */
  raw(node: YNode): string;
}

export function readSource(text: string, file: string, issues: Issues): Source {
  const tree = parseYamlTree(text);
  const at = lineIndex(text, file);
  for (const p of tree.problems) issues.add(at(p.offset), firstLine(p.message), p.hint);
  return {
    file,
    text,
    contents: tree.contents,
    at,
    pos: (node) => at(node?.range[0] ?? 0),
    raw: (node) => text.slice(node.range[0], node.range[1]),
  };
}

/** offset → 1-based line and column, by a binary search over the offsets where lines start. */
function lineIndex(text: string, file: string): (offset: number) => SourcePos {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, col: offset - (starts[lo] ?? 0) + 1 };
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** "no such file" rather than ENOENT: messages are read by people. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return err.message;
  }
}
