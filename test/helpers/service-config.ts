// ServiceConfig with the defaults dinit.yaml would give, for tests that build graphs by hand.
import { defaultService } from '../../src/config/build.js';
import type { Config, ServiceConfig } from '../../src/types.js';

/** A service with the defaults dinit.yaml gives (from the loader itself), `true` as its command. */
export function svc(name: string, over: Partial<ServiceConfig> = {}): ServiceConfig {
  const { pos: _pos, ...defaults } = defaultService(name);
  return { ...defaults, command: ['true'], ...over };
}

export function config(services: ServiceConfig[], options: Partial<Config['options']> = {}): Config {
  return {
    file: '/test/dinit.yaml',
    environment: {},
    options: { shutdownTimeout: 9000, logFormat: 'text', timestamps: false, onFailure: 'continue', orphans: 'reap', ...options },
    services,
  };
}
