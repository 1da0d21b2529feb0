// Colour: whether a destination gets ANSI colour, and which colour a service
// gets. Detection is chalk's own (TTY, FORCE_COLOR, TERM, CI…) plus NO_COLOR,
// which chalk ignores but no-color.org asks every tool to honour: a non-empty
// NO_COLOR always wins. A service's colour is chosen from its name (so it is
// the same on every run and survives reloads), moving to the next free palette
// slot only when another registered service already holds it, so a handful of
// services get distinct colours. Red is left out: it reads as "error".

import { Chalk, supportsColor, supportsColorStderr } from 'chalk';
import type { ChalkInstance, ForegroundColorName } from 'chalk';
import { isatty } from 'node:tty';

export type ColorLevel = 0 | 1 | 2 | 3;

const PALETTE: readonly ForegroundColorName[] = [
  'cyan',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyanBright',
  'greenBright',
  'yellowBright',
  'blueBright',
  'magentaBright',
];

/** A destination as the hub accepts it: a file descriptor or a stream. */
export type Destination = number | NodeJS.WritableStream;

function levelOf(s: typeof supportsColor): ColorLevel {
  return s ? s.level : 0;
}

/**
 * The colour level for a destination, from chalk's detection of the process's
 * stdout/stderr and environment. NO_COLOR (non-empty) → 0.
 */
export function detectColorLevel(dest: Destination, env: NodeJS.ProcessEnv = process.env): ColorLevel {
  if (env.NO_COLOR) return 0;
  if (dest === 1) return levelOf(supportsColor);
  if (dest === 2) return levelOf(supportsColorStderr);
  const tty = typeof dest === 'number' ? isatty(dest) : (dest as { isTTY?: boolean }).isTTY === true;
  const chalkLevel = Math.max(levelOf(supportsColor), levelOf(supportsColorStderr)) as ColorLevel;
  if (tty) return chalkLevel > 0 ? chalkLevel : env.TERM === 'dumb' ? 0 : 1;
  // Not a terminal: colour only when forced (chalk then reports the forced level).
  return 'FORCE_COLOR' in env ? chalkLevel : 0;
}

export function makeChalk(level: ColorLevel): ChalkInstance {
  return new Chalk({ level });
}

/** FNV-1a: a small, stable string hash (same name → same colour, every run). */
function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Assigns palette slots to names; a name keeps its slot until released. */
export class ColorAssigner {
  private readonly slots = new Map<string, number>();

  colorOf(name: string): ForegroundColorName {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      const taken = new Set(this.slots.values());
      const preferred = hash(name) % PALETTE.length;
      slot = preferred;
      for (let k = 0; k < PALETTE.length; k++) {
        const s = (preferred + k) % PALETTE.length;
        if (!taken.has(s)) {
          slot = s;
          break;
        }
      }
      this.slots.set(name, slot);
    }
    return PALETTE[slot]!;
  }

  release(name: string): void {
    this.slots.delete(name);
  }
}
