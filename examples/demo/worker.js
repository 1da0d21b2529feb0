// A background worker that calls the API now and then.
const port = Number(process.env.API_PORT ?? 7402);
const every = Number(process.env.WORK_EVERY_MS ?? 3000);

async function tick() {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/work`);
    console.log(`job done: ${(await r.text()).trim()}`);
  } catch (e) {
    console.error(`api unreachable: ${e.cause?.code ?? e.message}`);
  }
}
console.log(`worker up, polling every ${every}ms`);
setInterval(tick, every);
process.on('SIGTERM', () => {
  console.log('finishing current job');
  process.exit(0);
});
