// The app server behind nginx: plain HTTP on 127.0.0.1:3000 (not published;
// only nginx is). /health is for dinit's readiness and health probes.
import http from 'node:http';
import os from 'node:os';

const port = Number(process.env.APP_PORT ?? 3000);
const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.writeHead(200).end('ok\n');
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from the app server on ${os.hostname()} (pid ${process.pid}), via ${req.headers['x-forwarded-by'] ?? 'direct'}\n`);
});
server.listen(port, '127.0.0.1', () => console.log(`app listening on 127.0.0.1:${port}`));
// Finish in-flight requests, then exit: dinit waits up to stop-timeout.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
