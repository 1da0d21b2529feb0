// `dinit reload`: the supervisor re-reads its config file. Prints what
// changed; an invalid file prints every located error and says that the
// running config is untouched (exit 2).

import { request } from '../control/client.js';
import { DinitError, EXIT, describeConfigError } from '../errors.js';
import type { ReloadResult } from '../control/target.js';
import { parseVerbArgs } from './args.js';
import { SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, SOCKET_OPTION, false);
  let r: ReloadResult;
  try {
    r = await request(socketOf(values, ctx), 'reload', {});
  } catch (err) {
    if (!(err instanceof DinitError) || err.code !== 'CONFIG_INVALID') throw err;
    ctx.io.err(describeConfigError(err) + '\n');
    ctx.io.err('dinit: reload refused: the config is invalid; nothing changed\n');
    return EXIT.USAGE;
  }
  ctx.io.out(renderReload(r));
  return EXIT.OK;
}

export function renderReload(r: ReloadResult): string {
  const lines: string[] = [];
  if (r.added.length) lines.push(`added: ${r.added.join(', ')}`);
  if (r.removed.length) lines.push(`removed: ${r.removed.join(', ')}`);
  if (r.changed.length) lines.push(`restarted (changed): ${r.changed.join(', ')}`);
  if (r.updated?.length) lines.push(`updated in place: ${r.updated.join(', ')}`);
  if (lines.length === 0) lines.push('no changes');
  return lines.join('\n') + '\n';
}
