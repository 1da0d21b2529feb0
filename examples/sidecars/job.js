// The main program (the image's CMD): a batch job that runs while its sidecars
// serve. Its exit code becomes the container's: JOB_EXIT=3 makes it fail.
const seconds = Number(process.env.JOB_SECONDS ?? 2);
console.log(`job: working for ${seconds}s`);
setTimeout(() => {
  const code = Number(process.env.JOB_EXIT ?? 0);
  console.log(`job: done, exit ${code}`);
  process.exit(code);
}, seconds * 1000);
process.on('SIGTERM', () => {
  console.log('job: interrupted');
  process.exit(143);
});
