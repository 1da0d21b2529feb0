// The config module: dinit.yaml → a validated, normalised Config (see load.ts
// for the pipeline, keys.ts for the format's single source of truth).

export { chooseConfig, describeShadowing, loadConfigFile, parseConfig, resolveConfigPath, type ConfigChoice } from './load.js';
export type { LoadOverrides } from './load.js';
export { mainService, emptyConfig } from './main-service.js';
export { parseDuration, parseSignal, parseSize, formatDuration } from '../units.js';
export { splitCommand } from './values.js';
export { jsonSchema } from './schema.js';
export { shutdownBudget, DOCKER_GRACE_MS } from './budget.js';
export { parseEnvFile } from './env-file.js';
export { expandVars } from './expand.js';
export type { EnvFileResult } from './env-file.js';
export type { ExpandResult } from './expand.js';
export { httpWarnings, isLoopback, readTokenFile } from './http.js';
