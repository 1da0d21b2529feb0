// The worker: takes jobs off the Redis list (BRPOP) and counts them done.
// On SIGTERM it finishes the job in hand, then exits 0.
import { connect } from './resp.js';

const r = await connect();
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  console.log('stopping after the current job');
});
console.log('waiting for jobs');
while (!stopping) {
  const job = await r.cmd('BRPOP', 'jobs', 1);
  if (!job) continue;
  await r.cmd('INCR', 'jobs:done');
  console.log(`done: ${job[1]}`);
}
r.close();
