// Outside a PID namespace dinit is not PID 1, so orphans of its services would
// go to the host's init; as a child subreaper it receives and reaps them
// itself. Same scenario as the PID 1 suite.
import { test } from 'node:test';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { orphanSpawner } from './support.js';
import { releaseAndMeasure, ORPHANS } from './orphans.js';

test(`not PID 1, dinit is a subreaper: ${ORPHANS} orphans of a service are all reaped, leaving no zombie`, async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  orphans: { command: ${orphanSpawner(dir, ORPHANS)} }\n`);
  const d = await startDinit({ config, dir, t });
  const took = await releaseAndMeasure(d, dir);
  t.diagnostic(`subreaper: ${ORPHANS} orphans reaped ${took.toFixed(0)}ms after release (the speed is the bench's: npm run bench)`);
});
