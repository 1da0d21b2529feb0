// A stand-in database: a TCP server that answers every line with "OK <line>".
// It takes a moment to "recover" before listening, like a real database.
import net from 'node:net';

const port = Number(process.env.DB_PORT ?? 7401);
console.log(`recovering data files...`);
setTimeout(() => {
  const server = net.createServer((sock) => {
    sock.setEncoding('utf8');
    sock.on('data', (d) => sock.write(`OK ${d.trim()}\n`));
    sock.on('error', () => {});
  });
  server.listen(port, '127.0.0.1', () => console.log(`accepting connections on 127.0.0.1:${port}`));
}, 300);
setInterval(() => console.log(`checkpoint complete`), 15_000);
process.on('SIGTERM', () => {
  console.log('shutting down cleanly');
  process.exit(0);
});
