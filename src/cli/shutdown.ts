// `dinit shutdown`: ask for an orderly stop. The supervisor may close the
// socket as it goes down before our reply arrives; having asked, that counts
// as success.

import { request } from '../control/client.js';
import { DinitError, EXIT } from '../errors.js';
import { parseVerbArgs } from './args.js';
import { SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, SOCKET_OPTION, false);
  try {
    await request(socketOf(values, ctx), 'shutdown', {});
  } catch (err) {
    if (!(err instanceof DinitError && err.context.closedEarly === true)) throw err;
  }
  ctx.io.out('shutdown requested\n');
  return EXIT.OK;
}
