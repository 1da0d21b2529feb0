// `dinit logs [SERVICE...] [-f] [-n N] [--timestamps]`: the supervisor's
// in-memory buffers, printed `name | line` like its console, with dinit's own
// event lines about those services between their output lines; --timestamps
// puts the time each line arrived in front (stored for every line). With -f it keeps the connection
// and prints new lines until SIGINT/SIGTERM, until stdout's reader goes away
// (EPIPE: `dinit logs -f | head`), or until the supervisor exits.

import { request, stream } from '../control/client.js';
import type { LogLine } from '../control/target.js';
import { escapeControls } from '../terminal-text.js';
import { parseCountArg, parseVerbArgs } from './args.js';
import { followUntilInterrupted, QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import { paintFor, type CliContext, type Paint } from './context.js';
import { EXIT } from '../errors.js';

export const DEFAULT_LOG_LINES = 100;

/** `name | line`, the name padded to `width` so columns line up like the supervisor's console; `timestamps`: ISO time first. */
export function formatLogLine(l: LogLine, p: Paint, width = 0, timestamps = false): string {
  const ts = timestamps ? `${p.dim(new Date(l.time).toISOString())} ` : '';
  // dinit's own lines quote service-controlled text: escaped; service output stays as written (like docker logs).
  if (l.stream === 'dinit') return `${ts}${p.dim('[dinit]')} ${escapeControls(l.line)}\n`;
  return `${ts}${p.byName(l.service, l.service.padEnd(width))} ${p.dim('|')} ${l.line}\n`;
}

/** Formats lines with a name column as wide as the longest name seen so far. */
function printer(p: Paint, names: string[], timestamps: boolean): (lines: LogLine[]) => string {
  let width = Math.max(0, ...names.map((n) => n.length));
  return (lines) => {
    for (const l of lines) if (l.stream !== 'dinit') width = Math.max(width, l.service.length);
    return lines.map((l) => formatLogLine(l, p, width, timestamps)).join('');
  };
}

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, {
    ...SOCKET_OPTION,
    follow: { type: 'boolean', short: 'f' },
    lines: { type: 'string', short: 'n' },
    timestamps: { type: 'boolean', short: 't' },
  });
  const timestamps = values.timestamps === true;
  const n = typeof values.lines === 'string' ? parseCountArg(values.lines, '-n') : DEFAULT_LOG_LINES;
  const p = await paintFor(ctx);
  const socket = socketOf(values, ctx);
  if (!values.follow) {
    const lines = await request(socket, 'logs', { names: positionals, n, follow: false }, { timeoutMs: QUICK_TIMEOUT_MS });
    ctx.io.out(printer(p, positionals, timestamps)(lines));
    return EXIT.OK;
  }
  const stop = ctx.io.interrupted();
  if (stop.aborted) return EXIT.OK;
  const print = printer(p, positionals, timestamps);
  const s = await stream(
    socket,
    'logs',
    { names: positionals, n, follow: true },
    {
      onResult: (backlog) => ctx.io.out(print(backlog)),
      onEvent: (ev) => {
        if (ev.event === 'line') ctx.io.out(print([ev.line]));
        else if (ev.event === 'dropped') ctx.io.err(`[dinit] ${ev.count} line${ev.count === 1 ? '' : 's'} dropped: this reader was too slow\n`);
      },
    },
  );
  await followUntilInterrupted(stop, s);
  return EXIT.OK;
}
