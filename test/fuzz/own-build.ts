// The hardening suites run the binary compiled next to them (dist/ in CI,
// .build/<area>/ while developing), so a fix in src/ is what the test exercises.
// These wrap the shared e2e helper with that binary; d.cli() then runs the
// same build for client verbs.
import { join } from 'node:path';
import { buildRoot } from '../helpers/paths.js';
import { startDinit, type CliResult, type DinitProcess, type StartOptions } from '../helpers/dinit-process.js';

export const ownBin = join(buildRoot, 'src', 'bin', 'dinit.js');

export function startOwn(opts: StartOptions): Promise<DinitProcess> {
  return startDinit({ bin: ownBin, ...opts });
}

/** Run a client verb of this build against d's socket (d.cli runs the supervisor's own build). */
export function cli(d: DinitProcess, args: string[], timeoutMs = 10_000, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return d.cli(args, timeoutMs, env);
}

/** `status --json`, parsed. */
export async function statusJson(d: DinitProcess, names: string[] = []): Promise<Array<Record<string, unknown>>> {
  const r = await cli(d, ['status', '--json', ...names]);
  if (r.code !== 0) throw new Error(`status failed (${r.code}): ${r.stderr}\n${d.dump()}`);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}
