// Service output: line splitting, prefixes and colours, a bounded non-blocking
// console writer, JSON format, ring buffers and rotating files. The LogHub is
// the one entry point the supervisor needs; the parts are exported for tests
// and for reuse (e.g. the CLI's `dinit logs` rendering).

export { LogHub, DINIT_SOURCE } from './log-hub.js';
export type { LogHubOptions } from './log-hub.js';
export { forEachLine, LineFramer, LineSplitter, MAX_LINE_BYTES, readInto, TurnBudget } from './line-splitter.js';
export type { ChunkTarget, FrameSink, ReadGate } from './line-splitter.js';
export { LineRing } from './ring-buffer.js';
export type { NumberedLine, RingEntry } from './ring-buffer.js';
export { RotatingFile } from './rotating-file.js';
export type { RotatingFileOptions } from './rotating-file.js';
export type { Destination } from './sink.js';
export { consoleLine, dinitLine, fileLine, jsonLine } from './format.js';
export type { FormatSettings, ConsoleStyle } from './format.js';
