// The full CLI: argv → one verb → exit code (route.ts), with every verb.
// src/bin/dinit.ts calls it.
//
// Start-up cost is the design constraint: `docker exec CTR dinit status` pays
// it on every call. The installed launcher runs the client verbs through the
// small CommonJS entry (src/bin/client.ts) and comes here only for the others;
// still, this module imports nothing but the verb table, and each verb's module
// (and through it the client, the config loader or the runtime) is loaded with
// a dynamic import() only when that verb runs.

import type { VerbModule } from './dispatch.js';
import type { Verb } from './plan.js';
import { loadRealConfigModule, routeCli, type CliOverrides } from './route.js';

export { planCommand } from './plan.js';
export type { CliOverrides } from './route.js';

const LOADERS: Record<Verb, () => Promise<VerbModule>> = {
  run: () => import('./run.js'),
  status: () => import('./status.js'),
  // Not a client-entry verb: it loads through the full CLI so client.cjs (and `dinit status`) stays as small as it was.
  top: () => import('./top.js'),
  start: () => import('./lifecycle.js'),
  stop: () => import('./lifecycle.js'),
  restart: () => import('./lifecycle.js'),
  signal: () => import('./signal.js'),
  logs: () => import('./logs.js'),
  reload: () => import('./reload.js'),
  shutdown: () => import('./shutdown.js'),
  health: () => import('./health.js'),
  wait: () => import('./wait.js'),
  graph: () => import('./graph.js'),
  check: () => import('./check.js'),
  schema: () => import('./schema.js'),
  import: () => import('./import.js'),
  help: () => import('./help.js'),
  'is-started': () => import('./is-state.js'),
  'is-failed': () => import('./is-state.js'),
  events: () => import('./events.js'),
  scale: () => import('./scale.js'),
};

export function runCli(argv: string[], env: NodeJS.ProcessEnv, overrides: CliOverrides = {}): Promise<number> {
  return routeCli(argv, env, LOADERS, { ...overrides, loadConfigModule: overrides.loadConfigModule ?? loadRealConfigModule });
}
