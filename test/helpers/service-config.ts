// ServiceConfig with the defaults dinit.yaml would give, for tests that build graphs by hand.
import type { Config, ServiceConfig } from '../../src/types.js';

export function svc(name: string, over: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    name,
    type: 'process',
    command: ['true'],
    dependsOn: [],
    dependsMs: [],
    waitsFor: [],
    after: [],
    before: [],
    autoStart: true,
    restart: 'on-failure',
    restartDelay: 200,
    restartLimit: { count: 3, interval: 10_000 },
    smoothRecovery: false,
    stopSignal: 'SIGTERM',
    stopTimeout: 3000,
    startTimeout: 60_000,
    environment: {},
    log: { prefix: true, maxSize: 10_000_000, keep: 3, buffer: 1000 },
    main: false,
    ...over,
  };
}

export function config(services: ServiceConfig[], options: Partial<Config['options']> = {}): Config {
  return {
    file: '/test/dinit.yaml',
    environment: {},
    options: { shutdownTimeout: 9000, logFormat: 'text', timestamps: false, onFailure: 'continue', orphans: 'reap', ...options },
    services,
  };
}
