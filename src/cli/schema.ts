// `dinit schema`: print the JSON Schema shipped in the package (schema/),
// read as a file so printing it loads no config or YAML code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DinitError, EXIT } from '../errors.js';
import { parseVerbArgs } from './args.js';
import type { CliContext } from './context.js';
import { packageRoot } from './package-root.js';

export function schemaPath(): string {
  return join(packageRoot(), 'schema', 'dinit.schema.json');
}

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  parseVerbArgs(argv, {}, false);
  const file = schemaPath();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DinitError('INTERNAL', `the JSON Schema is missing from this installation (${file})`, {}, err);
  }
  ctx.io.out(text.endsWith('\n') ? text : text + '\n');
  return EXIT.OK;
}
