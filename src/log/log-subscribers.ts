// Who hears a service's lines one by one, besides the console: followers
// (`dinit logs -f`, of some services or of all, dinit's own events included)
// and line probes (`ready: { log: REGEX }`, of one service). The hub asks
// first whether anyone listens to a service, so the common case — nobody —
// never makes a string of a line. A consumer that throws is ignored: it must
// not stop the flow of output.

import type { LogLine } from '../types.js';

/** A service's line probes: each gets every line (stdout and stderr) as text. */
export type Probes = Set<(line: string) => void>;

interface Follower {
  names: Set<string> | null;
  cb: (l: LogLine) => void;
}

function call<A>(fn: (a: A) => void, a: A): void {
  try {
    fn(a);
  } catch {
    /* a consumer's bug must not stop the flow of output */
  }
}

export class LogSubscribers {
  private readonly probes = new Map<string, Probes>();
  private readonly followers = new Set<Follower>();

  /** Every new line of the named services (all, dinit included, if empty). Returns unsubscribe. */
  follow(names: string[], cb: (l: LogLine) => void): () => void {
    const f: Follower = { names: names.length > 0 ? new Set(names) : null, cb };
    this.followers.add(f);
    return () => {
      this.followers.delete(f);
    };
  }

  /** Every line (stdout and stderr) of one service, for log readiness. Returns unsubscribe. */
  onLine(name: string, cb: (line: string) => void): () => void {
    let set = this.probes.get(name);
    if (!set) this.probes.set(name, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0 && this.probes.get(name) === set) this.probes.delete(name);
    };
  }

  /** The probes of a service; undefined when it has none. */
  probesOf(name: string): Probes | undefined {
    return this.probes.get(name);
  }

  isFollowed(name: string): boolean {
    for (const f of this.followers) if (!f.names || f.names.has(name)) return true;
    return false;
  }

  /** A service's line to its followers, then to its probes (`probesOf`). */
  deliver(l: LogLine, probes: Probes | undefined): void {
    this.notify(l);
    if (probes) for (const cb of probes) call(cb, l.line);
  }

  /** A line to its followers: those of its service, and of the service it is `about` (dinit's event lines). */
  notify(l: LogLine, about?: string): void {
    for (const f of this.followers) if (!f.names || f.names.has(l.service) || (about !== undefined && f.names.has(about))) call(f.cb, l);
  }
}
