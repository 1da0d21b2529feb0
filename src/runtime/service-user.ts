// A service's `user` as a spawn sees it: the ids to run as (supplementary
// groups only when there are any, since they need the exec-as wrapper, ~50 ms
// of Node start-up) and the identity variables (HOME, USER, LOGNAME) that go
// under the config's environment. Shared by the service's command and its hooks.

import type { ProcessHost } from '../os/ports.js';
import type { ServiceConfig } from '../types.js';

export interface UserIds {
  uid?: number;
  gid?: number;
  groups?: number[];
}

/** Throws when the user cannot be resolved (its message names the user). */
export function serviceUser(host: ProcessHost, svc: ServiceConfig): { ids: UserIds; identity: Record<string, string> } {
  const ids: UserIds = {};
  const identity: Record<string, string> = {};
  if (svc.user) {
    const u = host.resolveUser(svc.user.spec);
    ids.uid = u.uid;
    ids.gid = u.gid;
    if (u.groups.some((g) => g !== u.gid)) ids.groups = u.groups;
    if (u.home) identity.HOME = u.home;
    if (u.name) identity.USER = identity.LOGNAME = u.name;
  }
  return { ids, identity };
}
