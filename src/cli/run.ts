// `dinit [run] [-c FILE] [--socket PATH] [-- CMD ARG...]`: hand over to the
// supervisor. Parsed by hand rather than with parseArgs because everything
// from the command on belongs to the command (`dinit run node app.js --port 1`
// must not read `--port` as a dinit option). The runtime is imported only
// here, so no client verb ever loads it.
//
// A socket place given with --socket or $DINIT_SOCKET has no fallback: if its
// directory cannot be made or trusted (under /proc or /sys, a file in the way,
// another user's directory), dinit stops here with a usage error (exit 2)
// naming the path and why, before anything starts. The default places keep
// their fallbacks (the runtime passes over the ones it cannot use).

import { prepareDirectory } from '../control/socket-file.js';
import { socketPlaces, type SocketPlace } from '../control/socket-path.js';
import { usageError } from './args.js';
import type { CliContext } from './context.js';
import { DinitError, EXIT } from '../errors.js';

interface RunModule {
  run(o: { configPath?: string; socketPlaces: SocketPlace[]; mainCommand?: string[]; env: NodeJS.ProcessEnv }): Promise<number>;
}

export interface RunArgs {
  configPath?: string;
  socket?: string;
  mainCommand?: string[];
  help: boolean;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const out: RunArgs = { help: false };
  let i = 0;
  const value = (name: string): string => {
    const v = argv[++i];
    if (v === undefined || v === '') throw usageError(`option '${name}' needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-h' || a === '--help') out.help = true;
    else if (a === '-c' || a === '--config') out.configPath = value(a);
    else if (a.startsWith('--config=')) out.configPath = a.slice('--config='.length);
    else if (a.startsWith('-c') && a.length > 2) out.configPath = a.slice(2);
    else if (a === '--socket') out.socket = value(a);
    else if (a.startsWith('--socket=')) out.socket = a.slice('--socket='.length);
    else if (a.startsWith('-')) throw usageError(`unknown option '${a}'`);
    else break; // the command starts here
  }
  const cmd = argv.slice(i);
  if (cmd.length > 0) out.mainCommand = cmd;
  return out;
}

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const a = parseRunArgs(argv);
  if (a.help) {
    const { verbHelp } = await import('./usage.js');
    ctx.io.out(verbHelp('run'));
    return EXIT.OK;
  }
  const places = socketPlaces(a.socket, ctx.env, ctx.uid);
  checkGivenPlace(places, a.socket ? '--socket' : 'DINIT_SOCKET', ctx.uid ?? 0);
  const mod: RunModule = await import('../runtime/run.js');
  return mod.run({
    ...(a.configPath !== undefined ? { configPath: a.configPath } : {}),
    socketPlaces: places,
    ...(a.mainCommand ? { mainCommand: a.mainCommand } : {}),
    env: ctx.env,
  });
}

/** A socket place given explicitly: its directory made (or checked) now, or a usage error that says where and why. */
function checkGivenPlace(places: SocketPlace[], source: string, uid: number): void {
  const place = places[0];
  if (places.length !== 1 || !place?.explicit) return;
  try {
    prepareDirectory(place, uid);
  } catch (err) {
    const why = err instanceof DinitError && typeof err.context.why === 'string' ? err.context.why : err instanceof Error ? err.message : String(err);
    const other = source === '--socket' ? 'pass another --socket PATH' : 'set DINIT_SOCKET to another path';
    throw usageError(`${source} ${place.path}: ${why}; ${other} whose directory dinit can create or owns (e.g. /tmp/dinit.sock), or leave it out and dinit picks one`);
  }
}
