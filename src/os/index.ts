// The OS layer: the only place that touches node:child_process, signals,
// /proc and native calls. Everything above it goes through these functions.
// (notify-socket.ts lives here too but is owned and exported separately.)

export { createReaper } from './reaper.js';
export type { Orphan, Reaper, ReaperOptions } from './reaper.js';
export { becomeSubreaper, isPid1 } from './subreaper.js';
export { describeSpawnError, isSpawnedChild, spawnService } from './spawn.js';
export type { ExtraStdio, SpawnServiceOptions } from './spawn.js';
export { killGroup, killPid, killTree, sessionMembers } from './kill.js';
export { resolveUser } from './users.js';
export type { ResolvedUser, UserFiles } from './users.js';
export { parseSignal, signalExitCode, signalName, signalNumber } from './signals.js';
export { decodeWaitStatus, waitNoHang } from './libc.js';
export type { WaitResult, WaitStatus } from './libc.js';
export { childPids, readStat } from './proc.js';
export type { ProcStat } from './proc.js';
export { BUSY_PIPE_BYTES, dupFd, fdOf, growPipe } from './pipe-fds.js';
export { ResourceSampler, pageSize, selfFigures } from './resources.js';
export type { ResourceSamplerOptions } from './resources.js';
