// Reading dinit.yaml keeps every node's position: the YAML is parsed into a
// Document (not plain JS) with a LineCounter, so any later step can point at
// file:line:col of the key or value it complains about. Duplicate keys are not
// fatal to the parser (uniqueKeys: false); check.ts reports each one itself.
// Problems are collected in an Issues list and thrown together at the end.

import { LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import type { SourcePos } from '../types.js';

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
  doc: Document.Parsed;
  lines: LineCounter;
  /** Position of a character offset. */
  at(offset: number): SourcePos;
  /** Position where a node starts (the file's start if it has none). */
  pos(node: Node | null | undefined): SourcePos;
  /** The node's text as written (e.g. `022` for a YAML number). */
  raw(node: Node): string;
}

export function readSource(text: string, file: string, issues: Issues): Source {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, merge: true });
  const at = (offset: number): SourcePos => {
    const lp = lines.linePos(offset);
    return { file, line: lp.line, col: lp.col };
  };
  for (const e of doc.errors) {
    issues.add(at(e.pos[0]), `YAML syntax error: ${firstLine(e.message)}`, 'fix the YAML syntax; indent with spaces, quote values containing ": " or "#"');
  }
  return {
    file,
    text,
    doc,
    lines,
    at,
    pos: (node) => at(node?.range?.[0] ?? 0),
    raw: (node) => (node.range ? text.slice(node.range[0], node.range[1]) : ''),
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
