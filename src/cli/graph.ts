// `dinit graph [--format dot|mermaid] [-c FILE]`: the graph of what runs —
// the running supervisor's config when one answers, else the config file.
// With -c the file is always used (to draw a config before deploying it).

import { request } from '../control/client.js';
import { DinitError, EXIT } from '../errors.js';
import type { Config } from '../types.js';
import { parseVerbArgs, usageError } from './args.js';
import { QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import type { CliContext } from './context.js';
import { formatGraph } from './graph-format.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, { ...SOCKET_OPTION, format: { type: 'string' }, config: { type: 'string', short: 'c' } }, false);
  const format = (values.format ?? 'dot') as string;
  if (format !== 'dot' && format !== 'mermaid') throw usageError(`unknown format '${format}' (use dot or mermaid)`);
  const file = typeof values.config === 'string' ? values.config : undefined;
  let config: Config | undefined;
  if (file === undefined) {
    try {
      config = await request(socketOf(values, ctx), 'config', {}, { timeoutMs: QUICK_TIMEOUT_MS });
    } catch (err) {
      if (!(err instanceof DinitError && err.code === 'UNREACHABLE')) throw err;
    }
  }
  if (!config) {
    const cfg = await ctx.loadConfigModule();
    config = await cfg.loadConfigFile(cfg.resolveConfigPath(file, ctx.env, ctx.cwd), ctx.env);
  }
  ctx.io.out(formatGraph(config, format));
  return EXIT.OK;
}
