// `dinit help [COMMAND]` and `dinit --help`.

import { usageError } from './args.js';
import { closest } from '../suggest.js';
import type { CliContext } from './context.js';
import { HELP, globalHelp, verbHelp } from './usage.js';
import { EXIT } from '../errors.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const verb = argv.find((a) => !a.startsWith('-'));
  if (verb === undefined) {
    ctx.io.out(globalHelp());
    return EXIT.OK;
  }
  if (!Object.hasOwn(HELP, verb)) {
    const guess = closest(verb, Object.keys(HELP));
    throw usageError(`unknown command '${verb}'${guess ? ` — did you mean '${guess}'?` : ''}`);
  }
  ctx.io.out(verbHelp(verb));
  return EXIT.OK;
}
