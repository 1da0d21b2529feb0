// `dinit [run] [-c FILE] [--socket PATH] [-- CMD ARG...]`: hand over to the
// supervisor. Parsed by hand rather than with parseArgs because everything
// from the command on belongs to the command (`dinit run node app.js --port 1`
// must not read `--port` as a dinit option). The runtime is imported only
// here, so no client verb ever loads it.

import { socketPlaces, type SocketPlace } from '../control/socket-path.js';
import { usageError } from './args.js';
import type { CliContext } from './context.js';
import { EXIT } from '../errors.js';

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
  const mod: RunModule = await import('../runtime/run.js');
  return mod.run({
    ...(a.configPath !== undefined ? { configPath: a.configPath } : {}),
    socketPlaces: socketPlaces(a.socket, ctx.env, ctx.uid),
    ...(a.mainCommand ? { mainCommand: a.mainCommand } : {}),
    env: ctx.env,
  });
}
