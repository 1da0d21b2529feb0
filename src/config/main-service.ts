// Docker's CMD as a service: `dinit run -- CMD ARG...` adds a service `main`
// that runs the command directly (no shell), is never restarted, and starts
// after every other auto-start service is up or failed (waits-for), the way
// s6-overlay runs CMD after its services. When it exits, dinit exits with its
// code. A config that already names a main service conflicts with it.

import { DinitError } from '../errors.js';
import type { Config, ServiceConfig } from '../types.js';
import { buildOptions, defaultService } from './build.js';

export function mainService(argv: string[], config: Config): ServiceConfig {
  if (argv.length === 0 || argv[0] === '') {
    throw new DinitError('USAGE', 'no command after --: write `dinit run -- PROGRAM ARG...`');
  }
  const clash = config.services.find((s) => s.name === 'main' || s.main);
  if (clash) {
    const where = clash.pos ? ` (${clash.pos.file}:${clash.pos.line})` : '';
    const what = clash.name === 'main' ? "a service named 'main'" : `a main service '${clash.name}'`;
    throw new DinitError('USAGE', `the config already has ${what}${where}, so the command after -- cannot become main: remove it there, or run without a command`, { service: clash.name });
  }
  return {
    ...defaultService('main'),
    command: [...argv],
    restart: 'never',
    main: true,
    autoStart: true,
    waitsFor: config.services.filter((s) => s.autoStart).map((s) => s.name),
  };
}

/** A config with no services, for running only a CMD when no config file exists. */
export function emptyConfig(file: string): Config {
  return { file, options: buildOptions(undefined), environment: {}, services: [] };
}
