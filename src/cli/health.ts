// `dinit health [--live|--ready]`: for HEALTHCHECK and exec probes. Exit 0 iff
// alive / ready (the meanings live in core/status.ts); each problem on stderr
// (Docker keeps the probe's output in `docker inspect`).

import { escapeControls } from '../terminal-text.js';
import { request } from '../control/client.js';
import { parseVerbArgs, usageError } from './args.js';
import { QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';
import { EXIT } from '../errors.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, { ...SOCKET_OPTION, live: { type: 'boolean' }, ready: { type: 'boolean' } }, false);
  if (values.live && values.ready) throw usageError('--live and --ready ask different questions: pass one');
  const probe = values.live ? 'live' : 'ready';
  const h = await request(socketOf(values, ctx), 'health', { probe }, { timeoutMs: QUICK_TIMEOUT_MS });
  if (h.ok) {
    ctx.io.out('ok\n');
    return EXIT.OK;
  }
  for (const p of h.problems) ctx.io.err(`${escapeControls(p)}\n`);
  if (h.problems.length === 0) ctx.io.err('unhealthy\n');
  return EXIT.FAILED;
}
