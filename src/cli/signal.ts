// `dinit signal SIGNAL SERVICE`: the signal is checked and normalised here
// (HUP, SIGHUP, 1 → SIGHUP) so a typo is a usage error before anything is sent.

import { request } from '../control/client.js';
import { parseSignalArg, parseVerbArgs, usageError } from './args.js';
import { QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';
import { EXIT } from '../errors.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, SOCKET_OPTION);
  const [sig, name, ...extra] = positionals;
  if (sig === undefined || name === undefined) throw usageError('expected a signal and a service: dinit signal SIGNAL SERVICE');
  if (extra.length > 0) throw usageError(`expected one service, got ${positionals.length - 1}`);
  const signal = parseSignalArg(sig);
  await request(socketOf(values, ctx), 'signal', { name, signal }, { timeoutMs: QUICK_TIMEOUT_MS });
  ctx.io.out(`${name}: sent ${signal}\n`);
  return EXIT.OK;
}
