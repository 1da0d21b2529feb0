// The control protocol, shared by the server (inside the supervisor) and the
// client (the `dinit` CLI verbs). One module so the two sides cannot drift.
//
// Model: newline-delimited JSON over a unix socket. A client writes requests
// `{v, id, verb, args}`; the server answers each one exactly once with
// `{v, id, ok: true, result}` or `{v, id, ok: false, error: {code, message, details?}}`.
// Requests on one connection are independent (replies may come out of order;
// `id` pairs them). A following `logs` request is answered once (the backlog),
// then gets stream events `{v, id, event: 'line' | 'dropped'}` until either
// side closes; an `events` request likewise (answered with null, then
// `{event: 'service' | 'dropped'}`). A `status` request with `orphans: true`
// (what `dinit status` sends: the table and its orphans line in one round
// trip) is answered with `{services, orphans}` instead of the bare list; a
// supervisor from before that ignores the flag and sends the list, so a
// client that asks must accept both (splitStatusReply). Every message carries the protocol version so a mismatch is
// reported clearly on whichever side notices it first. Nothing here does I/O:
// sockets live in server.ts / client.ts; this module only frames, validates
// and names things.

import { constants } from 'node:os';
import { DinitError, ERROR_CODES, type ErrorCode } from '../errors.js';
import type { Config, ServiceStatus } from '../types.js';
import type { EventRecord, HealthResult, LogLine, OpResult, OrphanInfo, ReloadResult, ScaleResult } from './target.js';

export { CappedLineReader } from './capped-line-reader.js';

/** Bump on any incompatible change of the envelope, a verb's args or its result. */
export const PROTOCOL_VERSION = 1;

/** Longest request line the server accepts (bytes, without the newline). */
export const MAX_REQUEST_LINE = 1024 * 1024;

/** Longest reply line the client accepts (a big `logs -n` can be large). */
export const MAX_REPLY_LINE = 64 * 1024 * 1024;

export const VERBS = ['status', 'start', 'stop', 'restart', 'signal', 'logs', 'reload', 'shutdown', 'health', 'config', 'wait', 'orphans', 'events', 'scale'] as const;
export type Verb = (typeof VERBS)[number];

export interface VerbArgs {
  /** orphans: also send the orphans (the result is then a StatusWithOrphans). */
  status: { names: string[]; orphans?: boolean };
  start: { names: string[]; wait: boolean };
  stop: { names: string[]; wait: boolean };
  restart: { names: string[]; wait: boolean };
  signal: { name: string; signal: NodeJS.Signals };
  logs: { names: string[]; n: number; follow: boolean };
  reload: Record<string, never>;
  shutdown: Record<string, never>;
  /** live: liveness, ready (default, and what an older client asks): readiness. See core/status.ts. */
  health: { probe?: 'live' | 'ready' };
  config: Record<string, never>;
  wait: { names: string[]; timeoutMs: number };
  orphans: Record<string, never>;
  /** Always a stream: answered with null, then `event` messages until either side closes. */
  events: { names: string[] };
  scale: { name: string; count: number };
}

/** The answer to `status` with `orphans: true`. */
export interface StatusWithOrphans {
  services: ServiceStatus[];
  orphans: OrphanInfo[];
}

export interface VerbResult {
  /** With `orphans: true`, a supervisor that knows the flag answers a StatusWithOrphans instead (splitStatusReply). */
  status: ServiceStatus[];
  start: OpResult;
  stop: OpResult;
  restart: OpResult;
  signal: null;
  logs: LogLine[];
  reload: ReloadResult;
  shutdown: null;
  health: HealthResult;
  /** The running config with environment values redacted. */
  config: Config;
  wait: OpResult;
  orphans: OrphanInfo[];
  events: null;
  scale: ScaleResult;
}

export type RequestId = number | string;

export interface Request<V extends Verb = Verb> {
  v: number;
  id: RequestId;
  verb: V;
  args: VerbArgs[V];
}

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

type Reply = { v: number; id: RequestId | null; ok: true; result: unknown } | { v: number; id: RequestId | null; ok: false; error: WireError };

export type StreamEvent =
  | { v: number; id: RequestId; event: 'line'; line: LogLine }
  /** Lines (or events) the server dropped because this reader was too slow. */
  | { v: number; id: RequestId; event: 'dropped'; count: number }
  /** A state change, on an `events` stream. */
  | { v: number; id: RequestId; event: 'service'; change: EventRecord };

export type ServerMessage = Reply | StreamEvent;

const KNOWN_CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);

export function encodeMessage(msg: Request | ServerMessage): string {
  return JSON.stringify(msg) + '\n';
}

function versionMismatchMessage(client: number, server: number): string {
  return `client speaks protocol ${client}, supervisor ${server}: use the dinit binary of the running supervisor`;
}

function protocolError(message: string, details?: Record<string, unknown>): DinitError {
  return new DinitError('PROTOCOL', message, details ?? {});
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is RequestId {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200);
}

function names(args: Record<string, unknown>, key = 'names'): string[] {
  const v = args[key] ?? [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw protocolError(`'${key}' must be a list of service names`);
  return v;
}

function bool(args: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = args[key] ?? dflt;
  if (typeof v !== 'boolean') throw protocolError(`'${key}' must be true or false`);
  return v;
}

function count(args: Record<string, unknown>, key: string, dflt: number): number {
  const v = args[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw protocolError(`'${key}' must be a whole number ≥ 0`);
  return v;
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw protocolError(`'${key}' must be a non-empty string`);
  return v;
}

function signalName(s: string): NodeJS.Signals {
  if (!Object.hasOwn(constants.signals, s)) throw new DinitError('USAGE', `unknown signal '${s}'`);
  return s as NodeJS.Signals;
}

/** Check and normalise the args of a verb (server side; throws PROTOCOL). */
function validateArgs<V extends Verb>(verb: V, raw: unknown): VerbArgs[V] {
  const a = raw === undefined ? {} : raw;
  if (!isRecord(a)) throw protocolError(`'args' of '${verb}' must be an object`);
  let out: VerbArgs[Verb];
  switch (verb) {
    case 'status':
      out = { names: names(a), orphans: bool(a, 'orphans', false) };
      break;
    case 'events':
      out = { names: names(a) };
      break;
    case 'start':
    case 'stop':
    case 'restart':
      out = { names: names(a), wait: bool(a, 'wait', true) };
      break;
    case 'signal':
      out = { name: str(a, 'name'), signal: signalName(str(a, 'signal')) };
      break;
    case 'scale': {
      const n = count(a, 'count', 0);
      if (n < 1 || n > 1000) throw protocolError("'count' must be a whole number from 1 to 1000");
      out = { name: str(a, 'name'), count: n };
      break;
    }
    case 'logs':
      out = { names: names(a), n: count(a, 'n', 100), follow: bool(a, 'follow', false) };
      break;
    case 'health': {
      const probe = a['probe'] ?? 'ready';
      if (probe !== 'live' && probe !== 'ready') throw protocolError(`'probe' must be 'live' or 'ready'`);
      out = { probe };
      break;
    }
    case 'reload':
    case 'shutdown':
    case 'config':
    case 'orphans':
      out = {};
      break;
    case 'wait':
      // A timer fires at once beyond 2^31-1 ms: a huge timeout means "as long as possible", not "now".
      out = { names: names(a), timeoutMs: Math.min(count(a, 'timeoutMs', 30_000), 2 ** 31 - 1) };
      break;
    default: {
      const never: never = verb;
      throw protocolError(`unknown verb '${String(never)}'`);
    }
  }
  return out as VerbArgs[V];
}

/** A status reply's rows, and its orphans when it carried them (undefined: not asked, or an older supervisor). */
export function splitStatusReply(r: ServiceStatus[] | StatusWithOrphans): { rows: ServiceStatus[]; orphans?: OrphanInfo[] } {
  return Array.isArray(r) ? { rows: r } : { rows: r.services, orphans: r.orphans };
}

/** A decoded request line: either a request to run, or an error to answer with. */
export type ParsedRequest = { ok: true; req: Request } | { ok: false; id: RequestId | null; error: DinitError };

export function parseRequest(line: string): ParsedRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: protocolError('malformed request: not a JSON line') };
  }
  if (!isRecord(msg)) return { ok: false, id: null, error: protocolError('malformed request: expected a JSON object') };
  const id = isId(msg.id) ? msg.id : null;
  if (msg.v !== PROTOCOL_VERSION) {
    const theirs = typeof msg.v === 'number' ? msg.v : 0;
    return { ok: false, id, error: protocolError(versionMismatchMessage(theirs, PROTOCOL_VERSION)) };
  }
  if (id === null) return { ok: false, id: null, error: protocolError("malformed request: 'id' must be a number or a string") };
  if (typeof msg.verb !== 'string' || !(VERBS as readonly string[]).includes(msg.verb)) {
    // JSON, not String(): a parsed object such as {"toString": []} has no string form and String() throws.
    const shown = typeof msg.verb === 'string' ? msg.verb : String(JSON.stringify(msg.verb)); // String(): stringify gives undefined when there is no verb
    return { ok: false, id, error: protocolError(`unknown verb '${shown.slice(0, 80)}' (this supervisor knows: ${VERBS.join(', ')})`) };
  }
  try {
    const verb = msg.verb as Verb;
    return { ok: true, req: { v: PROTOCOL_VERSION, id, verb, args: validateArgs(verb, msg.args) } };
  } catch (err) {
    return { ok: false, id, error: err instanceof DinitError ? err : protocolError(String(err)) };
  }
}

/** Decode a server line (client side). Throws PROTOCOL on garbage or a version mismatch. */
export function parseServerMessage(line: string): ServerMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    throw protocolError('malformed reply from the supervisor: not a JSON line');
  }
  if (!isRecord(msg)) throw protocolError('malformed reply from the supervisor: expected a JSON object');
  if (msg.v !== PROTOCOL_VERSION) {
    const theirs = typeof msg.v === 'number' ? msg.v : 0;
    // An error reply about the version (the server noticed first) says it best.
    if (msg.ok === false && isRecord(msg.error) && typeof msg.error.message === 'string') throw protocolError(msg.error.message);
    throw protocolError(versionMismatchMessage(PROTOCOL_VERSION, theirs));
  }
  if (typeof msg.event === 'string') {
    if (msg.event === 'line' && isRecord(msg.line) && isId(msg.id)) return msg as unknown as StreamEvent;
    if (msg.event === 'dropped' && typeof msg.count === 'number' && isId(msg.id)) return msg as unknown as StreamEvent;
    if (msg.event === 'service' && isRecord(msg.change) && isId(msg.id)) return msg as unknown as StreamEvent;
    throw protocolError(`malformed stream event from the supervisor: '${String(msg.event)}'`);
  }
  if (msg.ok === true) return msg as unknown as Reply;
  if (msg.ok === false && isRecord(msg.error) && typeof msg.error.message === 'string') return msg as unknown as Reply;
  throw protocolError('malformed reply from the supervisor');
}

/** A thrown value as it travels: ConfigError keeps its issues in `details.issues`. */
export function errorToWire(err: unknown): WireError {
  if (err instanceof DinitError) {
    const issues = (err as { issues?: unknown }).issues;
    if (err.code === 'CONFIG_INVALID' && Array.isArray(issues)) return { code: err.code, message: err.message, details: { issues } };
    const details = jsonSafe(err.context);
    return details && Object.keys(details).length > 0 ? { code: err.code, message: err.message, details } : { code: err.code, message: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `internal error: ${message}` };
}

function jsonSafe(v: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Back from the wire to a DinitError (the CLI rebuilds ConfigError from `details.issues`). */
export function wireToError(e: WireError): DinitError {
  const code: ErrorCode = KNOWN_CODES.has(e.code) ? e.code : 'INTERNAL';
  return new DinitError(code, e.message, e.details ?? {});
}

/** Environment values are secrets as often as not: the `config` verb never sends them. */
export function redactConfig(config: Config): Config {
  const redact = (env: Record<string, string>): Record<string, string> => Object.fromEntries(Object.keys(env).map((k) => [k, '<redacted>']));
  return {
    ...config,
    environment: redact(config.environment),
    services: config.services.map((s) => ({ ...s, environment: redact(s.environment) })),
  };
}
