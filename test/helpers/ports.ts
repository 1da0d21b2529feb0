// A free TCP port on 127.0.0.1 for a test server, chosen below the ephemeral
// range (32768+): a probe that keeps connecting to a closed *ephemeral* port
// can, rarely, connect to itself (TCP simultaneous open) and see it "open"
// before the service listens. Ports are picked at random so parallel test
// files rarely meet; a taken one is skipped.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const srv = createServer();
    const ok = await new Promise<boolean>((r) => {
      srv.once('error', () => r(false));
      srv.listen(port, '127.0.0.1', () => r(true));
    });
    if (!ok) continue;
    await new Promise((r) => srv.close(r));
    return port;
  }
}
