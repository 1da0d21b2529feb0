// A tiny HTTP API that needs the database: GET /health, GET /count.
import http from 'node:http';
import net from 'node:net';

const port = Number(process.env.API_PORT ?? 7402);
const dbPort = Number(process.env.DB_PORT ?? 7401);
let count = 0;

function pingDb() {
  return new Promise((resolve, reject) => {
    const s = net.connect(dbPort, '127.0.0.1', () => s.end('ping\n'));
    s.setEncoding('utf8');
    s.on('data', (d) => resolve(d.trim()));
    s.on('error', reject);
  });
}

http
  .createServer(async (req, res) => {
    if (req.url === '/health') {
      try {
        await pingDb();
        res.end('ok\n');
      } catch {
        res.writeHead(503).end('db unreachable\n');
      }
      return;
    }
    count++;
    res.end(JSON.stringify({ count }) + '\n');
  })
  .listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
setInterval(() => console.log(`served ${count} requests`), 10_000);
process.on('SIGTERM', () => {
  console.log('draining connections');
  process.exit(0);
});
