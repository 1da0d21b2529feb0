// Command-line parsing shared by the verbs: node:util parseArgs with its
// errors turned into short USAGE errors, plus the small value parsers the
// client side needs (durations, signals, counts). They are written here rather
// than imported from src/config because the config module loads `yaml`, and
// the client verbs must start fast; they accept the same forms as dinit.yaml.

import { constants } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DinitError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function usageError(message: string): DinitError {
  return new DinitError('USAGE', message);
}

/** parseArgs, strict, with readable errors. `--help` is handled before a verb runs. */
export function parseVerbArgs(argv: string[], options: Options, allowPositionals = true): Parsed {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const msg = e.message ?? String(err);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw usageError(`unknown option '${unknown[1]}'`);
    const positional = /Unexpected argument '([^']+)'/.exec(msg);
    if (positional) throw usageError(`unexpected argument '${positional[1]}'`);
    throw usageError(msg.split('\n')[0] ?? msg);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `10s`, `2m`, `1h`, `1m30s`, or a number of seconds → ms. */
export function parseDurationArg(text: string, what = 'duration'): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
    end = re.lastIndex;
  }
  if (end === 0 || end !== t.length) throw usageError(`invalid ${what} '${text}' (a duration looks like 500ms, 10s, 2m)`);
  return Math.round(total);
}

/** `SIGHUP`, `HUP`, `hup` or `1` → `SIGHUP`. */
export function parseSignalArg(text: string): NodeJS.Signals {
  const t = text.trim();
  const sigs = constants.signals as Record<string, number>;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    const name = Object.keys(sigs).find((k) => sigs[k] === n);
    if (name) return name as NodeJS.Signals;
  } else {
    const up = t.toUpperCase();
    const name = up.startsWith('SIG') ? up : `SIG${up}`;
    if (Object.hasOwn(sigs, name)) return name as NodeJS.Signals;
  }
  throw usageError(`unknown signal '${text}' (use a name like SIGHUP or HUP, or a number)`);
}

export function parseCountArg(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw usageError(`${what} must be a whole number, not '${text}'`);
  return Number(text.trim());
}

/** Optimal string alignment distance (a transposition costs 1: 'stauts' → 'status' is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const prev = d[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a small distance, if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = word.length <= 3 ? 1 : 2;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  if (best !== undefined && bestD <= limit) return best;
  return candidates.find((c) => c.startsWith(word.toLowerCase()) && word.length >= 3);
}

/** 192 s → `3m12s`; the status table's uptime. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** 1720320 → `1.6MiB`; the status table's memory. */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

/** The status table's CPU%: one decimal below 10%. */
export function humanPercent(p: number): string {
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}
