// A service's environment: dinit's own, then (for a `user`) that user's
// identity variables, then the config's global `environment`, the service's,
// and DINIT_SERVICE. dinit's environment is copied once (process.env is slow
// to walk: every key is a native call), and merged with the global one once
// per config for the common case of services with no `user`.

import type { Config, ServiceConfig } from '../types.js';

export class ServiceEnvironment {
  private ownEnv: Record<string, string> | null = null;
  private baseEnv: { cfg: Config; env: Record<string, string> } | null = null;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  of(cfg: Config, svc: ServiceConfig, identity: Record<string, string>): Record<string, string> {
    if (!this.ownEnv) {
      this.ownEnv = {};
      for (const [k, v] of Object.entries(this.env)) if (v !== undefined) this.ownEnv[k] = v;
    }
    if (Object.keys(identity).length > 0) {
      return { ...this.ownEnv, ...identity, ...cfg.environment, ...svc.environment, DINIT_SERVICE: svc.name };
    }
    if (this.baseEnv?.cfg !== cfg) this.baseEnv = { cfg, env: Object.assign({}, this.ownEnv, cfg.environment) };
    return Object.assign({}, this.baseEnv.env, svc.environment, { DINIT_SERVICE: svc.name });
  }
}
