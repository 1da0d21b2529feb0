// One console destination of the log hub (dinit's stdout or stderr): its
// bounded writer, the arena its buffers come from, its colours and the
// services' prefixes rendered for it.

import { Arena } from './arena.js';
import { BoundedWriter } from './bounded-writer.js';
import { isatty } from 'node:tty';
import { Chalk, supportsColor, supportsColorStderr } from 'chalk';
import { colorLevel, type ColorLevel } from '../color.js';
import type { ConsoleStyle } from './format.js';
import { openSink, type Destination } from './sink.js';

/** Room kept on each console queue for dinit's own lines. */
const DINIT_RESERVE_BYTES = 64 * 1024;
/** Arena slack: the largest buffer it hands out is a quarter of its size. */
const ARENA_SLACK_BYTES = 256 * 1024;

export interface Out {
  writer: BoundedWriter;
  /** Reused memory for what the writer writes, when its sink lets go of buffers once written. */
  arena: Arena | null;
  style: ConsoleStyle;
  /** Each service's `name | ` prefix as bytes (colour included), for the current width. */
  prefixes: Map<string, Buffer>;
}

export interface OutOptions {
  /** Force colour on/off; default: detect for the destination. */
  color: boolean | undefined;
  maxBytes: number;
  now: () => number;
  onDrops: (drops: Map<string, number>) => void;
}

/** Whether a destination is a terminal (for the colour rule). */
function isTerminal(dest: Destination): boolean {
  return typeof dest === 'number' ? isatty(dest) : (dest as { isTTY?: boolean }).isTTY === true;
}

export function openOut(dest: Destination, o: OutOptions): Out {
  // chalk's own detection of dinit's terminal gives the depth; the rule decides.
  const depth = Math.max(supportsColor ? supportsColor.level : 0, supportsColorStderr ? supportsColorStderr.level : 0) as ColorLevel;
  const detected = colorLevel(isTerminal(dest), process.env, depth);
  const level: ColorLevel = o.color === undefined ? detected : o.color ? (Math.max(1, detected) as ColorLevel) : 0;
  let arena: Arena | null = null;
  const writer = new BoundedWriter(openSink(dest), {
    maxBytes: o.maxBytes,
    reserveBytes: DINIT_RESERVE_BYTES,
    now: o.now,
    onDrops: o.onDrops,
    onWritten: (parts) => {
      if (arena) for (const part of parts) if (arena.owns(part)) arena.release(part);
    },
  });
  // (Room for the whole queue, what is being written, and a wrap-around.)
  if (writer.sinkReleases) arena = new Arena(2 * o.maxBytes + 2 * ARENA_SLACK_BYTES);
  return { writer, arena, style: { chalk: new Chalk({ level }), width: 0 }, prefixes: new Map() };
}
