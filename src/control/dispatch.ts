// One request's verb, run against the ControlTarget: which target call each
// verb makes and how its answer goes back — a plain reply, a reply that may be
// refused as BUSY (large ones: status, logs, config, orphans), or a follow
// (logs -f, events). The Connection owns the socket and those bounds.

import { DinitError } from '../errors.js';
import { withResources } from './observe.js';
import { redactConfig, type Request, type RequestId, type Verb, type VerbArgs } from './protocol.js';
import type { ControlTarget } from './target.js';

/** How a verb's answer goes back to its client. */
export interface Replies {
  reply(id: RequestId, result: unknown): void;
  replyOrBusy(id: RequestId, result: unknown): void;
  followLogs(id: RequestId, names: string[], n: number): void;
  followEvents(id: RequestId, names: string[]): void;
}

export async function dispatch(t: ControlTarget, req: Request, out: Replies): Promise<void> {
  const verb: Verb = req.verb;
  switch (verb) {
    case 'status': {
      const a = args<'status'>(req);
      const services = withResources(t.status(a.names), t.resources(a.names));
      return out.replyOrBusy(req.id, a.orphans ? { services, orphans: t.orphans() } : services);
    }
    case 'start':
    case 'stop':
    case 'restart': {
      const a = args<'start'>(req);
      return out.reply(req.id, await t[verb](a.names, a.wait));
    }
    case 'signal': {
      const a = args<'signal'>(req);
      t.signal(a.name, a.signal);
      return out.reply(req.id, null);
    }
    case 'logs': {
      const a = args<'logs'>(req);
      if (a.follow) return out.followLogs(req.id, a.names, a.n);
      return out.replyOrBusy(req.id, t.logs(a.names, a.n));
    }
    case 'reload':
      return out.reply(req.id, await t.reload());
    case 'shutdown':
      await t.shutdown();
      return out.reply(req.id, null);
    case 'health':
      return out.reply(req.id, t.health(args<'health'>(req).probe ?? 'ready'));
    case 'config':
      return out.replyOrBusy(req.id, redactConfig(t.config()));
    case 'orphans':
      return out.replyOrBusy(req.id, t.orphans());
    case 'wait': {
      const a = args<'wait'>(req);
      return out.reply(req.id, await t.wait(a.names, a.timeoutMs));
    }
    case 'events':
      return out.followEvents(req.id, args<'events'>(req).names);
    case 'scale': {
      const a = args<'scale'>(req);
      return out.reply(req.id, await t.scale(a.name, a.count));
    }
    default: {
      const never: never = verb;
      throw new DinitError('PROTOCOL', `unknown verb '${String(never)}'`);
    }
  }
}

function args<V extends Verb>(req: Request): VerbArgs[V] {
  return req.args as VerbArgs[V];
}
