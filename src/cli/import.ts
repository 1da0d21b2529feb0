// `dinit import PATH [--from FORMAT] [-o FILE] [--force]`: write a dinit.yaml
// equivalent to a supervisord, Procfile, process-compose or s6-overlay setup.
// The YAML goes to stdout (or FILE, never overwritten without --force), the
// summary to stderr. Exit 0: all converted; 1: some settings were not (each
// is a `# not converted:` comment in the YAML and a line of the summary);
// 2: the input could not be read (a located error, as for dinit.yaml).

import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DinitError } from '../errors.js';
import { parseVerbArgs } from './args.js';
import type { CliContext } from './context.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { from: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean' } }, true);
  const imp = await import('../import/index.js');
  if (positionals.length !== 1) throw new DinitError('USAGE', positionals.length === 0 ? 'give the file or directory to import' : `one PATH, not ${positionals.length}`);
  const from = values.from;
  if (from !== undefined && !(imp.FORMATS as readonly string[]).includes(from as string)) {
    throw new DinitError('USAGE', `--from ${String(from)}: not a format dinit imports (${imp.FORMATS.join(', ')})`);
  }
  const output = typeof values.output === 'string' ? resolve(ctx.cwd, values.output) : undefined;
  if (output && existsSync(output) && values.force !== true) throw new DinitError('USAGE', `${output} exists: add --force to overwrite it`);
  const r = imp.importConfig(resolve(ctx.cwd, positionals[0] as string), {
    ...(from ? { from: from as (typeof imp.FORMATS)[number] } : {}),
    outFile: output ?? join(ctx.cwd, 'dinit.yaml'),
    env: ctx.env,
  });
  if (output) writeFileSync(output, r.text);
  else ctx.io.out(r.text);
  const n = r.notConverted.length;
  ctx.io.err(
    `dinit import: ${r.services} service${r.services === 1 ? '' : 's'} from ${r.source} (${r.format})${output ? ` written to ${output}` : ''}; ${n === 0 ? 'every setting converted' : `${n} setting${n === 1 ? '' : 's'} not converted:`}\n`,
  );
  for (const { service, item } of r.notConverted) ctx.io.err(`  ${service ? `${service}: ` : ''}${imp.formatNotConverted(item)}\n`);
  for (const note of r.notes) ctx.io.err(`note: ${note}\n`);
  for (const p of r.problems) ctx.io.err(`warning: dinit check: ${p}\n`);
  return n > 0 || r.problems.length > 0 ? 1 : 0;
}
