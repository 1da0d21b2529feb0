// `dinit wait SERVICE... [--timeout 30s]`: block until the services are
// started (ready). The supervisor enforces the timeout; our own request
// deadline is a little longer so its answer (with reasons) wins the race.

import { request } from '../control/client.js';
import { parseDurationArg, parseVerbArgs, usageError } from './args.js';
import { SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';
import { renderOpResult } from './lifecycle.js';

export const DEFAULT_WAIT_TIMEOUT = '30s';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { ...SOCKET_OPTION, timeout: { type: 'string' } });
  if (positionals.length === 0) throw usageError('name at least one service to wait for');
  const timeoutMs = parseDurationArg(typeof values.timeout === 'string' ? values.timeout : DEFAULT_WAIT_TIMEOUT, 'timeout');
  const result = await request(socketOf(values, ctx), 'wait', { names: positionals, timeoutMs }, { timeoutMs: timeoutMs + 10_000 });
  return renderOpResult(result, positionals, 'started', ctx);
}
