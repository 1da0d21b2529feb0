// Sidecar 1: a metrics endpoint (what an exporter or agent would be).
import http from 'node:http';

const started = Date.now();
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`uptime_seconds ${((Date.now() - started) / 1000).toFixed(1)}\n`);
  })
  .listen(9100, '127.0.0.1', () => console.log('metrics on 127.0.0.1:9100'));
process.on('SIGTERM', () => process.exit(0));
