// The supervisor's entry: what a container's ENTRYPOINT runs (`dinit`,
// `dinit run …`, `dinit -- cmd`, `dinit myapp …`). The installed launcher
// (bin/dinit.cjs, or /opt/dinit/bin/dinit in the bundle) hands these argvs
// here from the client entry. Built as ONE CommonJS file
// (dist/lib/supervise.cjs): Node's ESM loader is never started, and the
// supervisor, its config loader and yaml are one read and one compile rather
// than a chain of import()s, each a wait on the file system (measured with
// `npm run bench`: see docs/benchmarks.md). Every other verb goes through the
// full CLI (src/bin/dinit.ts), whose chunks stay lazy per verb.

import { loadRealConfigModule, routeCli } from '../cli/route.js';
import { runEntry } from './entry.js';

/** Runs argv as the supervisor (or reports a mistyped verb) and exits. */
export function main(argv: string[]): Promise<never> {
  return runEntry(argv, (a, io) => routeCli(a, process.env, { run: () => import('../cli/run.js') }, { io, loadConfigModule: loadRealConfigModule }));
}
