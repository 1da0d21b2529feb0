// http probe: GET the URL; up when it answers 2xx. Redirects are not followed
// (a 3xx is "not yet", like 4xx and 5xx) and the body is not read. HTTPS
// certificates are not verified — probes usually hit 127.0.0.1 with an internal
// or self-signed certificate, as Kubernetes' httpGet probes do. A fresh
// connection per attempt (no keep-alive agent), so a probe never holds a socket
// between attempts.

import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describeError, type CheckResult } from './context.js';

export function httpCheck(url: string, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, message: `invalid URL ${JSON.stringify(url)}`, permanent: true });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.resolve({ ok: false, message: `unsupported URL scheme ${target.protocol} (http: or https:)`, permanent: true });
  }
  return new Promise((resolve) => {
    let req: ClientRequest | undefined;
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
    const onResponse = (res: IncomingMessage): void => {
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
      req = target.protocol === 'https:' ? httpsRequest(target, { ...options, rejectUnauthorized: false }, onResponse) : httpRequest(target, options, onResponse);
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
