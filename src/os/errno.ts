// errno numbers and their names ('ENOENT'), from the running platform's own
// table (os.constants.errno), so numbers are right on every architecture.

import { constants } from 'node:os';

const NAMES = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

/** 2 → 'ENOENT' (the sign is ignored); undefined when the number is not a known errno. */
export function errnoCode(errno: number): string | undefined {
  return NAMES.get(Math.abs(errno));
}

/** 2 → 'ENOENT'; 'errno 999' when unknown. */
export function errnoName(errno: number): string {
  return errnoCode(errno) ?? `errno ${errno}`;
}
