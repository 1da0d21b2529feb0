// The loading pipeline, one named step after another: read the YAML with
// positions → check every key against the table (expanding ${VAR}) → build the
// normalised Config (defaults, env-files) → check service rules → check the
// dependency graph → link `before` edges. Every step adds to one list of
// issues; if any, one ConfigError carries them all, sorted by position. YAML
// syntax errors stop the pipeline early, since a half-parsed tree would only
// produce misleading follow-up errors.

import { existsSync } from 'node:fs';
import { MAX_CONFIG_FILE_BYTES, readRegularFileSync } from '../os/regular-file.js';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, DinitError } from '../errors.js';
import type { ConfigIssue } from '../errors.js';
import type { Config } from '../types.js';
import { checkObject } from './check.js';
import type { CheckContext, ServiceEntry } from './check.js';
import { buildConfig } from './build.js';
import { checkGraph, foldReplicaEdges, linkBefore } from './graph.js';
import { ROOT_SPEC } from './keys.js';
import { checkScheduledDependencies, checkServiceRules } from './rules.js';
import { fsReason, Issues, readSource } from './source.js';

/** Load-time overrides: `dinit scale` reads a group's instances for another count than the file's `replicas`. */
export interface LoadOverrides {
  replicas?: Readonly<Record<string, number>>;
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, overrides: LoadOverrides = {}): Config {
  const abs = resolve(file);
  const issues = new Issues();
  const src = readSource(text, abs, issues);
  if (issues.count > 0) throw new ConfigError(sortIssues(issues.list, abs));
  const ctx: CheckContext = { src, issues, env, baseDir: dirname(abs), ...(overrides.replicas ? { replicas: overrides.replicas } : {}) };
  const contents = src.contents;
  if (contents === null) {
    issues.add(src.pos(null), 'the config is empty', 'it needs at least `services: {}`');
    throw new ConfigError(issues.list);
  }
  const root = checkObject(contents, ROOT_SPEC, ctx, '');
  const config = buildConfig(root, ctx);
  const entries = root?.get<ServiceEntry[]>('services') ?? [];
  checkServiceRules(config, entries, issues);
  checkScheduledDependencies(config, entries, issues);
  checkGraph(entries, issues);
  if (issues.count > 0) throw new ConfigError(sortIssues(issues.list, abs));
  linkBefore(config);
  foldReplicaEdges(config);
  return config;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, overrides: LoadOverrides = {}): Config {
  const abs = resolve(file);
  let text: string;
  try {
    text = readRegularFileSync(abs, MAX_CONFIG_FILE_BYTES);
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read config file ${abs}: ${fsReason(e)} (give another with -c FILE or $DINIT_CONFIG)`, { file: abs }, e);
  }
  return parseConfig(text, abs, env, overrides);
}

/** `-c FILE`, else $DINIT_CONFIG, else ./dinit.yaml if it exists, else /etc/dinit.yaml. */
/** Which config file is used, and why: the answer to "why is my mounted /etc/dinit.yaml ignored?". */
export interface ConfigChoice {
  file: string;
  /** How it was chosen, for messages ("-c", "$DINIT_CONFIG", …). */
  why: string;
  /** A default file that exists too and loses to this one (./dinit.yaml beats /etc/dinit.yaml). */
  shadows?: string;
}

const SYSTEM_CONFIG = '/etc/dinit.yaml';

/** `-c`, else $DINIT_CONFIG, else ./dinit.yaml, else /etc/dinit.yaml. */
export function chooseConfig(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string, system = SYSTEM_CONFIG): ConfigChoice {
  if (explicit) return { file: resolve(cwd, explicit), why: 'given with -c' };
  const fromEnv = env['DINIT_CONFIG'];
  if (fromEnv) return { file: resolve(cwd, fromEnv), why: 'from $DINIT_CONFIG' };
  const local = join(cwd, 'dinit.yaml');
  if (!existsSync(local)) return { file: system, why: 'the default' };
  const choice: ConfigChoice = { file: local, why: 'dinit.yaml in the working directory' };
  if (local !== system && existsSync(system)) choice.shadows = system;
  return choice;
}

/** One sentence on a choice that may surprise: which file wins over which, and how to pick the other. */
export function describeShadowing(choice: ConfigChoice): string | null {
  if (!choice.shadows) return null;
  return `${choice.file} (${choice.why}) wins over ${choice.shadows}, which is ignored: ./dinit.yaml comes first; use -c ${choice.shadows} or DINIT_CONFIG=${choice.shadows} to run that one`;
}

export function resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return chooseConfig(explicit, env, cwd).file;
}

/** The config file's issues first, in reading order; then those located in env-files. */
function sortIssues(list: ConfigIssue[], file: string): ConfigIssue[] {
  return [...list].sort((a, b) => {
    if (a.pos.file !== b.pos.file) return a.pos.file === file ? -1 : b.pos.file === file ? 1 : a.pos.file.localeCompare(b.pos.file);
    return a.pos.line - b.pos.line || a.pos.col - b.pos.col;
  });
}
