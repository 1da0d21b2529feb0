// `dinit is-started SERVICE` and `dinit is-failed SERVICE`: the answer is the
// exit code alone (0 yes, 1 no), with no output, for shell scripts and probes
// (`if dinit is-started db; then …`), as dinitctl's. An unknown service or an
// unreachable supervisor is still reported on stderr (exit 1 or 3): a typo
// must not read as a plain "no".

import { request } from '../control/client.js';
import { EXIT } from '../errors.js';
import type { ServiceStatus } from '../types.js';
import { parseVerbArgs, usageError } from './args.js';
import { QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';

const QUESTIONS: Record<string, (s: ServiceStatus) => boolean> = {
  'is-started': (s) => s.state === 'started',
  'is-failed': (s) => s.failed,
};

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const question = QUESTIONS[ctx.verb];
  if (!question) throw new Error(`internal: is-state cannot answer '${ctx.verb}'`);
  const { values, positionals } = parseVerbArgs(argv, SOCKET_OPTION);
  if (positionals.length !== 1) throw usageError(`${ctx.verb} takes exactly one service name`);
  const rows = await request(socketOf(values, ctx), 'status', { names: positionals }, { timeoutMs: QUICK_TIMEOUT_MS });
  return rows.length > 0 && rows.every(question) ? EXIT.OK : EXIT.FAILED;
}
