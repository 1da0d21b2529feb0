// `dinit events` followers: each follows some services (none: all of them,
// and dinit's own records). Records are built only while someone follows.

import type { EventRecord } from '../control/target.js';

export class EventFollowers {
  private readonly followers = new Map<(r: EventRecord) => void, ReadonlySet<string>>();

  get active(): boolean {
    return this.followers.size > 0;
  }

  /** Follow `names` (empty: everything); returns the unfollow. */
  add(names: string[], onEvent: (ev: EventRecord) => void): () => void {
    // A wrapper per call: the same callback may follow twice.
    const cb = (r: EventRecord): void => onEvent(r);
    this.followers.set(cb, new Set(names));
    return () => this.followers.delete(cb);
  }

  publish(records: EventRecord[]): void {
    for (const r of records) {
      for (const [cb, names] of this.followers) if (names.size === 0 || names.has(r.service)) cb(r);
    }
  }
}
