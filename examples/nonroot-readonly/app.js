// An app that runs as nobody on a read-only root filesystem: the only
// writable place is the tmpfs at /tmp (its cache file lives there).
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';

const cache = '/tmp/app-cache.json';
let hits = 0;
try {
  hits = JSON.parse(readFileSync(cache, 'utf8')).hits;
} catch {}
const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.writeHead(200).end('ok\n');
  hits++;
  writeFileSync(cache, JSON.stringify({ hits }));
  res.end(`hit ${hits}, uid ${process.getuid()}\n`);
});
server.listen(8080, () => console.log(`listening on :8080 as uid ${process.getuid()}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
