// What the service graph tells the outside world. The runtime turns these into
// `[dinit] ...` lines; the control server uses them to finish waits.

import type { Millis, RestartLimit, StopReason } from '../types.js';
import type { ShutdownCause } from './service-set.js';

export type ServiceEvent =
  | { type: 'spawned'; name: string; pid: number; waitingFor: string | null }
  | { type: 'started'; name: string; pid: number | null }
  | { type: 'exited'; name: string; code: number | null; signal: NodeJS.Signals | null; expected: boolean }
  /** attempt: place in the restart-limit window; 0 for a success exit under restart: always (not counted). */
  | { type: 'restarting'; name: string; delay: Millis; attempt: number; limit: RestartLimit; smooth: boolean }
  | { type: 'stopping'; name: string; cause: StopReason }
  | { type: 'stopped'; name: string }
  | { type: 'killing'; name: string; after: Millis }
  | { type: 'failed'; name: string; reason: StopReason }
  | { type: 'unhealthy'; name: string; message: string }
  | { type: 'shutdown'; cause: ShutdownCause }
  | { type: 'all-stopped' };

export type ServiceListener = (event: ServiceEvent) => void;
