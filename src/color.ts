// Colour, once, on chalk: whether an output gets ANSI colour (one rule for the
// supervisor's console and for the client verbs: `status`, `logs`), the chalk
// to paint with, and which colour a service's name gets (the same in the
// console and in `dinit logs`).
//
// The rule: a non-empty NO_COLOR (no-color.org) always means none; else
// FORCE_COLOR (force-color.org: 0/false/no off, 1-3 a depth, anything else on)
// decides; else TERM=dumb means none; else colour when the output is a
// terminal, at the depth chalk detected (16 colours at least). The environment
// is a parameter, so the CLI's in-process tests can pass their own.
//
// A service's colour comes from its name (same on every run, survives
// reloads); the console moves to the next free palette slot only when another
// of its services already holds it, so a handful get distinct colours. Red is
// left out: it reads as "error".

import type { ChalkInstance, ForegroundColorName } from 'chalk';

export type ColorLevel = 0 | 1 | 2 | 3;
export type { ChalkInstance, ForegroundColorName };

export const PALETTE: readonly ForegroundColorName[] = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'cyanBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright'];

/**
 * The one rule (see the header): the colour level for an output that is, or
 * is not, a terminal (a function: asked only when the environment leaves it
 * open). `detected`: the depth chalk saw (16 colours if unknown).
 */
export function colorLevel(isTTY: boolean | (() => boolean), env: NodeJS.ProcessEnv = process.env, detected: ColorLevel = 1): ColorLevel {
  if (env.NO_COLOR) return 0;
  const depth = Math.max(1, detected) as ColorLevel;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    const f = force.toLowerCase();
    if (f === '0' || f === 'false' || f === 'no') return 0;
    if (f === '1' || f === '2' || f === '3') return Number(f) as ColorLevel;
    return depth;
  }
  if (env.TERM === 'dumb' || !(typeof isTTY === 'function' ? isTTY() : isTTY)) return 0;
  return depth;
}

/**
 * chalk, loaded only when there is colour to paint: the client verbs load no
 * colour library for a plain `dinit status` (chalk's import costs ~6 ms of a
 * client's ~50 ms start-up, measured), the supervisor loads it at start.
 */
export async function chalkAt(level: ColorLevel): Promise<ChalkInstance | null> {
  if (level === 0) return null;
  const { Chalk } = await import('chalk');
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

/** A name's own palette slot, before any collision is resolved. */
function preferredSlot(name: string): number {
  return hash(name) % PALETTE.length;
}

/** The colour of a name where no other names are known (`dinit logs`). */
export function colorOfName(name: string): ForegroundColorName {
  return PALETTE[preferredSlot(name)]!;
}

/** Assigns palette slots to names; a name keeps its slot until released. */
export class ColorAssigner {
  private readonly slots = new Map<string, number>();

  colorOf(name: string): ForegroundColorName {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      const taken = new Set(this.slots.values());
      const preferred = preferredSlot(name);
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
