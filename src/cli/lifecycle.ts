// `dinit start|stop|restart SERVICE... [--no-wait]` (stop also takes --force): ask, wait (unless
// --no-wait), then say per service what happened. Failures go to stderr with
// the supervisor's reason and make the exit code 1.

import { escapeControls } from '../terminal-text.js';
import { request } from '../control/client.js';
import type { OpResult } from '../control/target.js';
import { parseVerbArgs, usageError } from './args.js';
import { SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';
import { EXIT } from '../errors.js';

type Op = 'start' | 'stop' | 'restart';

const DONE: Record<Op, [waited: string, accepted: string]> = {
  start: ['started', 'starting'],
  stop: ['stopped', 'stopping'],
  restart: ['restarted', 'restarting'],
};

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const op = ctx.verb as Op;
  // `stop --force` is the explicit spelling of the one stop there is (dependents first).
  const options: Parameters<typeof parseVerbArgs>[1] = { ...SOCKET_OPTION, 'no-wait': { type: 'boolean' } };
  if (op === 'stop') options['force'] = { type: 'boolean' };
  const { values, positionals } = parseVerbArgs(argv, options);
  if (positionals.length === 0) throw usageError(`name at least one service to ${op}`);
  const wait = values['no-wait'] !== true;
  const result = await request(socketOf(values, ctx), op, { names: positionals, wait });
  return renderOpResult(result, positionals, wait ? DONE[op][0] : DONE[op][1], ctx);
}

/** One line per service: `web: started` on stdout, `db: <reason>` on stderr. */
export function renderOpResult(result: OpResult, names: string[], done: string, ctx: CliContext): number {
  const failed = new Map(result.failures.map((f) => [f.service, f.reason]));
  for (const name of names) if (!failed.has(name)) ctx.io.out(`${name}: ${done}\n`);
  for (const [service, reason] of failed) ctx.io.err(`${service}: ${escapeControls(reason)}\n`);
  return result.ok && failed.size === 0 ? EXIT.OK : EXIT.FAILED;
}
