// The web app: POST /jobs queues a job in Redis, GET /stats reads counters,
// GET /health answers 200 while Redis answers PING (the readiness probe).
import http from 'node:http';
import { connect } from './resp.js';

const r = await connect();
const port = Number(process.env.PORT ?? 8080);
http
  .createServer(async (req, res) => {
    try {
      if (req.url === '/health') {
        res.writeHead((await r.cmd('PING')) === 'PONG' ? 200 : 503).end('ok\n');
      } else if (req.url === '/jobs' && req.method === 'POST') {
        const n = await r.cmd('LPUSH', 'jobs', JSON.stringify({ at: Date.now() }));
        res.writeHead(202).end(`queued (${n} waiting)\n`);
      } else if (req.url === '/stats') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ waiting: await r.cmd('LLEN', 'jobs'), done: Number(await r.cmd('GET', 'jobs:done')) }) + '\n');
      } else res.writeHead(404).end();
    } catch (err) {
      res.writeHead(500).end(String(err) + '\n');
    }
  })
  .listen(port, () => console.log(`listening on :${port}`));
process.on('SIGTERM', () => process.exit(0));
