// http probe: GET the URL; up when it answers 2xx. Redirects are not followed
// (a 3xx is "not yet", like 4xx and 5xx) and the body is not read. HTTPS
// certificates are not verified — probes usually hit 127.0.0.1 with an internal
// or self-signed certificate, as Kubernetes' httpGet probes do. A fresh
// connection per attempt (no keep-alive agent), so a probe never holds a socket
// between attempts. node:http and node:https (with tls, ~4 ms to load) are
// loaded at the first http probe: a supervisor without one never pays for them.
// Loaded with require, not import(): the launcher compiles supervise.cjs with
// vm.Script (for its code cache), which has no loader for import().

import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { describeError, type CheckResult } from './context.js';

let clients: [typeof Http, typeof Https] | undefined;

function loadClients(): [typeof Http, typeof Https] {
  if (clients) return clients;
  const require = createRequire(import.meta.url);
  return (clients = [require('node:http') as typeof Http, require('node:https') as typeof Https]);
}

export async function httpCheck(url: string, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, message: `invalid URL ${JSON.stringify(url)}`, permanent: true };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return { ok: false, message: `unsupported URL scheme ${target.protocol} (http: or https:)`, permanent: true };
  }
  const [http, https] = loadClients();
  if (signal.aborted) return { ok: false, message: 'cancelled' };
  return new Promise((resolve) => {
    let req: Http.ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req?.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, message: 'cancelled' });
    const onResponse = (res: Http.IncomingMessage): void => {
      const code = res.statusCode ?? 0;
      res.destroy();
      if (code >= 200 && code < 300) finish({ ok: true });
      else finish({ ok: false, message: `GET ${url}: HTTP ${code}${res.statusMessage ? ' ' + res.statusMessage : ''}` });
    };
    const options = {
      method: 'GET',
      agent: false as const,
      headers: { 'user-agent': 'dinit-probe', accept: '*/*', connection: 'close' },
    };
    try {
      req = target.protocol === 'https:' ? https.request(target, { ...options, rejectUnauthorized: false }, onResponse) : http.request(target, options, onResponse);
    } catch (err) {
      finish({ ok: false, message: `GET ${url}: ${describeError(err)}`, permanent: true });
      return;
    }
    req.on('error', (err) => finish({ ok: false, message: `GET ${url}: ${describeError(err)}` }));
    req.end();
    timer = setTimeout(() => finish({ ok: false, message: `GET ${url}: timed out after ${timeoutMs}ms` }), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
