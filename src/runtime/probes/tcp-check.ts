// tcp probe: the service is up when a TCP connect to host:port succeeds. The
// connection is closed at once; nothing is sent. Each attempt is bounded by the
// probe timeout (a filtered port would otherwise hang for the kernel's minutes).

import { connect } from 'node:net';
import { describeError, type CheckResult } from './context.js';

export function tcpCheck(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return Promise.resolve({ ok: false, message: `invalid port ${port}`, permanent: true });
  }
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: CheckResult): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, message: 'cancelled' });
    timer = setTimeout(() => finish({ ok: false, message: `connect to ${where} timed out after ${timeoutMs}ms` }), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => finish({ ok: true }));
    sock.on('error', (err) => finish({ ok: false, message: `connect to ${where}: ${describeError(err)}` }));
  });
}
