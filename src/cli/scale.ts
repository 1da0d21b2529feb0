// `dinit scale NAME N`: run N instances of a replica group now, until the next
// reload (which goes back to the file's `replicas:` — said in the output, so
// nobody is surprised). Waits until new instances are started and removed ones
// stopped; a new instance that fails makes the exit code 1.

import { request } from '../control/client.js';
import { parseCountArg, parseVerbArgs, usageError } from './args.js';
import { SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';
import { EXIT } from '../errors.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, SOCKET_OPTION);
  const [name, n, ...extra] = positionals;
  if (name === undefined || n === undefined || extra.length > 0) throw usageError('expected a service and a count: dinit scale NAME N');
  const count = parseCountArg(n, 'N');
  if (count < 1 || count > 1000) throw usageError('N must be from 1 to 1000 (to stop every instance: dinit stop NAME)');
  const r = await request(socketOf(values, ctx), 'scale', { name, count });
  const what = [r.added.length ? `started ${r.added.join(', ')}` : '', r.removed.length ? `stopped ${r.removed.join(', ')}` : ''].filter(Boolean).join('; ');
  ctx.io.out(`${name}: ${r.from} → ${r.to} instances${what ? ` (${what})` : ''}; until the next reload, which goes back to the replicas in dinit.yaml\n`);
  for (const f of r.failures) ctx.io.err(`${f.service}: ${f.reason}\n`);
  return r.failures.length ? EXIT.FAILED : EXIT.OK;
}
