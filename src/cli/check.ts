// `dinit check [-c FILE]`: validate without running anything. Every issue is
// printed as file:line:col: message (hint) on stderr (by report-error, exit 2);
// a valid file prints `ok: N services` and the shutdown-budget warnings (a
// plan that can outlast Docker's 10 s stop grace period).

import { parseVerbArgs } from './args.js';
import type { CliContext } from './context.js';
import { EXIT } from '../errors.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, { config: { type: 'string', short: 'c' } }, false);
  const cfg = await ctx.loadConfigModule();
  const choice = cfg.chooseConfig(typeof values.config === 'string' ? values.config : undefined, ctx.env, ctx.cwd);
  const shadowing = cfg.describeShadowing(choice);
  if (shadowing) ctx.io.err(`note: ${shadowing}\n`);
  const config = await cfg.loadConfigFile(choice.file, ctx.env);
  const n = config.services.length;
  ctx.io.out(`ok: ${n} service${n === 1 ? '' : 's'}\n`);
  for (const w of cfg.shutdownBudget(config).warnings) ctx.io.err(`warning: ${w}\n`);
  for (const w of cfg.httpWarnings(config)) ctx.io.err(`warning: ${w}\n`);
  return EXIT.OK;
}
