// options.http: a small HTTP endpoint inside the supervisor for the tools
// that speak HTTP (kubelet probes, Prometheus, dashboards). It is another
// face of the control socket: every answer comes from the same ControlTarget,
// so `dinit status --json`, /status and /metrics can never disagree.
//
//   GET  /livez              200 unless a service failed for good (core/status liveness, as `dinit health --live`)
//   GET  /readyz[?verbose]   200 iff `dinit health` would exit 0; 503 with one line per service not ready
//   GET  /metrics            Prometheus text format 0.0.4 (control/observe.ts)
//   GET  /status             the JSON of `dinit status --json`
//   POST /services/NAME/{start,stop,restart}   only with control: true AND the bearer token
//
// Without both `control: true` and a token, every method other than GET/HEAD
// gets 403. Nothing here reads a request body, and no answer carries an
// environment value. Each answer is computed synchronously from in-memory
// state (the resource sample for /status and /metrics reads /proc, shared by
// asks within 500 ms), so a probe costs the supervisor well under 1 ms.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DinitError } from '../errors.js';
import { METRICS_CONTENT_TYPE, renderMetrics, withResources } from './observe.js';
import type { ControlTarget, OpResult } from './target.js';

export interface HttpEndpointOptions {
  /** '' = every interface. */
  host: string;
  port: number;
  control: boolean;
  /** The bearer token control requests must carry; null = none configured. */
  token: string | null;
  onError?: (message: string) => void;
}

export interface HttpEndpoint {
  /** The address actually bound (port 0 picks one). */
  address(): AddressInfo;
  close(): Promise<void>;
}

/** Connections served at once; more wait in the kernel's backlog. */
const MAX_CONNECTIONS = 64;

const CONTROL_VERBS = ['start', 'stop', 'restart'] as const;
type ControlVerb = (typeof CONTROL_VERBS)[number];

/** Bind and serve; rejects with DinitError('HTTP_LISTEN') naming the address and why. */
export async function startHttpEndpoint(target: ControlTarget, opts: HttpEndpointOptions): Promise<HttpEndpoint> {
  const tokenDigest = opts.token ? digest(opts.token) : null;
  const server: Server = createServer((req, res) => {
    try {
      handle(req, res, target, opts, tokenDigest);
    } catch (err) {
      opts.onError?.(`http: ${req.method} ${req.url} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5000;
  server.maxHeadersCount = 50;
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? 'the address is in use (another dinit, or another program, listens there)'
          : err.code === 'EACCES'
            ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no interface has that address'
              : err.message;
      reject(new DinitError('HTTP_LISTEN', `options.http: cannot listen on ${where}: ${why}`, { address: where }, err));
    };
    server.once('error', onError);
    server.listen({ port: opts.port, ...(opts.host ? { host: opts.host } : {}) }, () => {
      server.off('error', onError);
      server.on('error', (err) => opts.onError?.(`http: ${err.message}`));
      resolve();
    });
  });
  // Neither an idle keep-alive connection nor the listener holds dinit up.
  server.unref();

  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function send(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function json(res: ServerResponse, code: number, value: unknown): void {
  send(res, code, JSON.stringify(value, null, 2) + '\n', 'application/json');
}

function handle(req: IncomingMessage, res: ServerResponse, target: ControlTarget, opts: HttpEndpointOptions, token: Buffer | null): void {
  req.resume(); // a body, if any, is never read: drain it
  const url = new URL(req.url ?? '/', 'http://dinit');
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';

  if (!read) {
    if (!opts.control || !token) {
      return send(res, 403, 'control over HTTP is off: set options.http.control: true and options.http.token-file\n');
    }
    const m = /^\/services\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
    if (!m) return send(res, 404, `no such endpoint: ${method} ${url.pathname}\n`);
    if (method !== 'POST') return send(res, 405, `${url.pathname} takes POST\n`, undefined, { allow: 'POST' });
    if (!authorized(req, token)) {
      return send(res, 401, 'missing or wrong bearer token (Authorization: Bearer TOKEN)\n', undefined, { 'www-authenticate': 'Bearer realm="dinit"' });
    }
    const verb = m[2] as ControlVerb;
    if (!CONTROL_VERBS.includes(verb)) return send(res, 404, `unknown action ${verb}: use start, stop or restart\n`);
    let name: string;
    try {
      name = decodeURIComponent(m[1] ?? '');
    } catch {
      return send(res, 400, 'bad service name encoding\n');
    }
    return control(res, target, verb, name, opts);
  }

  switch (url.pathname) {
    case '/livez': {
      const rows = target.status([]);
      const live = target.health('live');
      if (!url.searchParams.has('verbose')) return send(res, live.ok ? 200 : 503, live.ok ? 'ok\n' : live.problems.join('\n') + '\n');
      const bad = new Map(live.problems.map((p) => [p.slice(0, p.indexOf(':')), p]));
      const lines = rows.map((s) => (bad.has(s.name) ? `[-]${bad.get(s.name)}` : `[+]${s.name} ok`));
      return send(res, live.ok ? 200 : 503, [...lines, `livez check ${live.ok ? 'passed' : 'failed'}`].join('\n') + '\n');
    }
    case '/readyz': {
      const h = target.health('ready');
      if (!url.searchParams.has('verbose')) return send(res, h.ok ? 200 : 503, h.ok ? 'ok\n' : h.problems.join('\n') + '\n');
      const bad = new Map(h.problems.map((p) => [p.slice(0, p.indexOf(':')), p]));
      const lines = target.status([]).map((s) => (bad.has(s.name) ? `[-]${bad.get(s.name)}` : `[+]${s.name} ${s.target === 'up' ? 'ok' : 'ok (not wanted up)'}`));
      return send(res, h.ok ? 200 : 503, [...lines, `readyz check ${h.ok ? 'passed' : 'failed'}`].join('\n') + '\n');
    }
    case '/metrics':
      return send(res, 200, renderMetrics(target.status([]), target.resources([]), target.counters()), METRICS_CONTENT_TYPE);
    case '/status':
      return json(res, 200, withResources(target.status([]), target.resources([])));
    default:
      return send(res, 404, `no such endpoint: ${url.pathname} (try /livez, /readyz, /metrics, /status)\n`);
  }
}

function authorized(req: IncomingMessage, token: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  // Compare digests: equal length, and no timing hint of how much matched.
  return m !== null && timingSafeEqual(digest(m[1] ?? ''), token);
}

function control(res: ServerResponse, target: ControlTarget, verb: ControlVerb, name: string, opts: HttpEndpointOptions): void {
  let op: Promise<OpResult>;
  try {
    target.status([name]); // throws UNKNOWN_SERVICE
    op = target[verb]([name], true);
  } catch (err) {
    if (err instanceof DinitError && err.code === 'UNKNOWN_SERVICE') return send(res, 404, `${err.message}\n`);
    throw err;
  }
  op.then(
    (r) => json(res, r.ok ? 200 : 409, r),
    (err: unknown) => {
      opts.onError?.(`http: ${verb} ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(res, 500, `${verb} ${name} failed\n`);
    },
  );
}
