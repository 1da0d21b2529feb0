// The migration step: runs once, after Redis is ready and before web/worker.
// Idempotent (a schema version key), like a real migration tool.
import { connect } from './resp.js';

const r = await connect();
const version = Number((await r.cmd('GET', 'schema:version')) ?? 0);
if (version < 2) {
  await r.cmd('SET', 'jobs:done', 0);
  await r.cmd('SET', 'schema:version', 2);
  console.log(`migrated schema ${version} -> 2`);
} else console.log(`schema already at version ${version}`);
r.close();
