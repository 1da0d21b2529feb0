// How one line looks on the console and in a log file. Pure functions of the
// line and the settings, so every format is tested without a process.
//
// text:  [ISO-time ]name␣␣␣| line      (name padded to the longest service name;
//                                     the `name |` part coloured per service)
//        [ISO-time ]line              (log.prefix: false)
//        [ISO-time ][dinit] message   (dinit's own events)
// json:  {"time":ISO,"service":name,"stream":"stdout"|"stderr"|"dinit","line":…}
// A file gets the bare line (time-stamped when `timestamps` is on) in text
// mode — the file already says which service it is — and the JSON object in
// json mode.

import { escapeControls, terminalJson } from '../terminal-text.js';
import type { ChalkInstance, ForegroundColorName } from '../color.js';
import type { LogFormat, LogLine } from '../types.js';

export interface FormatSettings {
  format: LogFormat;
  timestamps: boolean;
}

export interface ConsoleStyle {
  chalk: ChalkInstance;
  /** Width the service names are padded to. */
  width: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function jsonLine(l: LogLine): string {
  return terminalJson({ time: iso(l.time), service: l.service, stream: l.stream, line: l.line }) + '\n';
}

/** A service line for the console, newline included. */
export function consoleLine(l: LogLine, s: FormatSettings, style: ConsoleStyle, color: ForegroundColorName, prefix: boolean): string {
  switch (s.format) {
    case 'json':
      return jsonLine(l);
    case 'text': {
      const ts = s.timestamps ? iso(l.time) + ' ' : '';
      if (!prefix) return ts + l.line + '\n';
      return ts + style.chalk[color](l.service.padEnd(style.width) + ' | ') + l.line + '\n';
    }
    default:
      return unreachable(s.format);
  }
}

/** dinit's own event line for the console, newline included. */
export function dinitLine(l: LogLine, s: FormatSettings, chalk: ChalkInstance): string {
  switch (s.format) {
    case 'json':
      return jsonLine(l);
    case 'text':
      // Event lines quote service-controlled text (exec errors, probe output): never raw to a terminal.
      return (s.timestamps ? iso(l.time) + ' ' : '') + chalk.bold('[dinit]') + ' ' + escapeControls(l.line) + '\n';
    default:
      return unreachable(s.format);
  }
}

/** A service line for its log file (no newline: the file adds it). */
export function fileLine(l: LogLine, s: FormatSettings): string {
  switch (s.format) {
    case 'json':
      return jsonLine(l).slice(0, -1);
    case 'text':
      return (s.timestamps ? iso(l.time) + ' ' : '') + l.line;
    default:
      return unreachable(s.format);
  }
}

function unreachable(x: never): never {
  throw new Error(`unknown log format: ${String(x)}`);
}
