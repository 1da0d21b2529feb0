// `dinit import`: another supervisor's configuration → dinit.yaml text, the
// not-converted list and the problems `dinit check` still finds. The format
// is given or detected from the path (file name, then contents).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DinitError } from '../errors.js';
import { fsReason } from '../config/source.js';
import { FORMATS, type Conversion, type Format, type NotConverted } from './draft.js';
import { emit, formatNotConverted } from './emit.js';
import { PROCFILE_LINE, importProcfile } from './procfile.js';
import { importProcessCompose } from './process-compose.js';
import { importS6, locateS6 } from './s6.js';
import { importSupervisord } from './supervisord.js';

export { FORMATS, formatNotConverted };
export type { Format };

export interface ImportResult {
  format: Format;
  /** The file read (for a directory: the file or tree found in it). */
  source: string;
  text: string;
  services: number;
  /** Every setting not converted, with the service it belongs to ('' for global ones). */
  notConverted: { service: string; item: NotConverted }[];
  notes: string[];
  problems: string[];
}

const DIR_FILES: [string, Format][] = [
  ['supervisord.conf', 'supervisord'],
  ['etc/supervisord.conf', 'supervisord'],
  ['etc/supervisor/supervisord.conf', 'supervisord'],
  ['process-compose.yaml', 'process-compose'],
  ['process-compose.yml', 'process-compose'],
  ['Procfile', 'procfile'],
];

/** The format of a file from its name, then its contents; undefined if it cannot tell. */
function detectFile(file: string): Format | undefined {
  const name = basename(file);
  if (/^Procfile/.test(name)) return 'procfile';
  if (/^process-compose.*\.ya?ml$/.test(name)) return 'process-compose';
  if (/^supervisord.*\.conf$/.test(name)) return 'supervisord';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read ${file}: ${fsReason(e)}`, { file }, e);
  }
  if (/^\s*\[(program|supervisord|include|group):?[^\]]*\]/m.test(text)) return 'supervisord';
  if (/^processes\s*:/m.test(text)) return 'process-compose';
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  if (lines.length > 0 && lines.every((l) => PROCFILE_LINE.test(l.trim()))) return 'procfile';
  return undefined;
}

/** What to read and how: a directory may hold one of the known files or an s6-overlay tree. */
function detect(path: string, from?: Format): { format: Format; path: string } {
  const abs = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read ${abs}: ${fsReason(e)}`, { file: abs }, e);
  }
  if (!isDir) {
    const format = from ?? detectFile(abs);
    if (!format) throw new DinitError('USAGE', `cannot tell the format of ${abs}: give it with --from ${FORMATS.join('|')}`);
    if (format === 's6') throw new DinitError('USAGE', `--from s6 reads a directory (the s6-overlay tree), not the file ${abs}`);
    return { format, path: abs };
  }
  if (
    from === 's6' ||
    (!from &&
      (() => {
        const l = locateS6(abs);
        return l.rc !== undefined || l.legacy !== undefined;
      })())
  )
    return { format: 's6', path: abs };
  for (const [f, format] of DIR_FILES) {
    if ((!from || from === format) && existsSync(join(abs, f))) return { format, path: join(abs, f) };
  }
  throw new DinitError('USAGE', `found no ${from ?? 'supervisord.conf, Procfile, process-compose.yaml or s6-overlay tree'} in the directory ${abs}: give the file itself${from ? '' : ' or --from'}`);
}

function convert(format: Format, path: string, outDir: string): Conversion {
  switch (format) {
    case 'supervisord':
      return importSupervisord(path);
    case 'procfile':
      return importProcfile(path, outDir);
    case 'process-compose':
      return importProcessCompose(path);
    case 's6':
      return importS6(path);
    default: {
      const never: never = format;
      return never;
    }
  }
}

/**
 * Convert `path`. `outFile` is where the YAML will live (relative paths in it
 * are relative to its directory, and it is checked as that file).
 */
export function importConfig(path: string, opts: { from?: Format; outFile: string; env: NodeJS.ProcessEnv }): ImportResult {
  const { format, path: input } = detect(path, opts.from);
  const outFile = resolve(opts.outFile);
  const c = convert(format, input, resolve(outFile, '..'));
  const { text, problems } = emit(c, outFile, opts.env);
  return {
    format,
    source: c.source,
    text,
    services: c.services.length,
    notConverted: [...c.notConverted.map((item) => ({ service: '', item })), ...c.services.flatMap((d) => d.notConverted.map((item) => ({ service: d.name, item })))],
    notes: c.notes,
    problems,
  };
}
