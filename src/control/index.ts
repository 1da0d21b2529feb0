// The control socket: one protocol module shared by the server (inside the
// supervisor) and the client (the CLI). The CLI imports client.js directly to
// keep its start-up small; the supervisor imports server.js (or this index).

export * from './protocol.js';
export { startControlServer, CLIENT_QUEUE_BOUND, MAX_CONNECTIONS, TOTAL_QUEUE_BOUND } from './server.js';
export type { ControlServer, ControlServerOptions } from './server.js';
export { request, stream, unreachableMessage } from './client.js';
export type { FollowStream, RequestOptions, StreamHandlers } from './client.js';
export type { ControlTarget, HealthResult, LogLine, OpResult, ReloadResult } from './target.js';
