// Service output: line splitting, prefixes and colours, a bounded non-blocking
// console writer, JSON format, ring buffers and rotating files. The LogHub is
// the one entry point the supervisor needs; the parts its users (the runtime,
// the tests) reach for are exported here, the rest from their own modules.

export { LogHub } from './log-hub.js';
export type { LogHubOptions } from './log-hub.js';
export { LineRing } from './ring-buffer.js';
export type { RingEntry } from './ring-buffer.js';
export { RotatingFile } from './rotating-file.js';
