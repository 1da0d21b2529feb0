// `dinit events [--json] [SERVICE...]`: a live stream of state changes, one
// line each, until SIGINT/SIGTERM, until stdout's reader goes away, or until
// the supervisor exits — `docker events` for services. Text lines read
// `TIME SERVICE EVENT [pid N] [(reason)]`; --json prints each record as one
// JSON object. Like `logs -f`, a reader too slow for the supervisor loses
// events (counted, and said on stderr) rather than holding its memory.

import { stream } from '../control/client.js';
import type { EventRecord } from '../control/target.js';
import { EXIT } from '../errors.js';
import { parseVerbArgs } from './args.js';
import { followUntilInterrupted, SOCKET_OPTION, socketOf } from './common.js';
import { paintFor, type CliContext, type Paint } from './context.js';

export function formatEvent(r: EventRecord, p: Paint): string {
  const pid = r.pid !== null ? ` pid ${r.pid}` : '';
  const reason = r.reason ? ` (${r.reason})` : '';
  return `${p.dim(new Date(r.time).toISOString())} ${p.byName(r.service, r.service)} ${r.event}${pid}${reason}\n`;
}

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { ...SOCKET_OPTION, json: { type: 'boolean' } });
  const p = await paintFor(ctx);
  const stop = ctx.io.interrupted();
  if (stop.aborted) return EXIT.OK;
  const s = await stream(
    socketOf(values, ctx),
    'events',
    { names: positionals },
    {
      onEvent: (ev) => {
        if (ev.event === 'service') ctx.io.out(values.json ? JSON.stringify(ev.change) + '\n' : formatEvent(ev.change, p));
        else if (ev.event === 'dropped') ctx.io.err(`[dinit] ${ev.count} event${ev.count === 1 ? '' : 's'} dropped: this reader was too slow\n`);
      },
    },
  );
  await followUntilInterrupted(stop, s);
  return EXIT.OK;
}
