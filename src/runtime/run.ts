// `dinit run`: everything a supervisor process needs, wired once. Config in,
// exit code out. The composition root: the only place the real ports are
// wired — the real clock, the OS port (os/host.ts around the one owner of
// child exits, os/children.ts, which the reaper shares), the signals, the
// log hub and the control socket meet the ServiceSet; the CLI's
// `run` verb imports this module lazily so no client verb ever loads it.

import { existsSync } from 'node:fs';
import { chooseConfig, describeShadowing, emptyConfig, httpWarnings, loadConfigFile, mainService, readTokenFile, shutdownBudget, type LoadOverrides } from '../config/index.js';
import type { HttpEndpoint } from '../control/http.js';
import { startControlServerFirst, type ControlServer } from '../control/server.js';
import type { SocketPlace } from '../control/socket-path.js';
import { realClock } from '../core/clock.js';
import { takeEarlySignals } from '../early-signals.js';
import { DinitError, describeConfigError } from '../errors.js';
import { LogHub } from '../log/index.js';
import { Children } from '../os/children.js';
import { createProcessHost } from '../os/host.js';
import { killPid } from '../os/kill.js';
import { createReaper, type Reaper } from '../os/reaper.js';
import { becomeSubreaper, isPid1 } from '../os/subreaper.js';
import { mainConsole } from '../os/terminal.js';
import type { Config } from '../types.js';
import { Supervisor, type SupervisorLog } from './supervisor.js';

export interface RunOptions {
  configPath?: string;
  /** Where the control socket may go, in order (control/socket-path.ts). */
  socketPlaces: SocketPlace[];
  mainCommand?: string[];
  env: NodeJS.ProcessEnv;
}

const FORWARDED: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGQUIT'];

export async function run(opts: RunOptions): Promise<number> {
  const cwd = process.cwd();
  const explicit = opts.configPath ?? opts.env.DINIT_CONFIG;
  const choice = chooseConfig(opts.configPath, opts.env, cwd);
  const file = choice.file;
  // With a CMD and no config anywhere, dinit is tini with a socket: main alone.
  const haveFile = explicit !== undefined || existsSync(file);

  const load = (overrides: LoadOverrides = {}): Config => {
    const config = haveFile ? loadConfigFile(file, opts.env, overrides) : emptyConfig(file);
    if (opts.mainCommand) config.services.push(mainService(opts.mainCommand, config));
    return config;
  };

  // A config that cannot be loaded throws: the CLI's one reporter (cli/report-error.ts)
  // prints it, located issue by issue, as `dinit check` does, and exits 2.
  if (!haveFile && !opts.mainCommand) {
    throw new DinitError('CONFIG_READ', `no config file: looked for ${file}. Pass -c FILE, set DINIT_CONFIG, or give a command after --`);
  }
  const config = load();

  const hub = new LogHub({ stdout: 1, stderr: 2, format: config.options.logFormat, timestamps: config.options.timestamps });
  const log: SupervisorLog = {
    attach: (n, o, e) => hub.attach(n, o, e),
    onLine: (n, cb) => hub.onLine(n, cb),
    dinit: (m, about) => hub.dinit(m, about),
    tail: (n, k) => hub.tail(n, k),
    follow: (n, cb) => hub.follow(n, cb),
    dropped: () => hub.dropped(),
    configure: (c) => {
      hub.configure({ format: c.options.logFormat, timestamps: c.options.timestamps });
      const names = new Set(c.services.map((s) => s.name));
      for (const s of c.services) hub.addService(s.name, s.log);
      for (const n of hub.serviceNames()) if (!names.has(n)) hub.removeService(n);
    },
  };

  // The first line says which file runs (a ./dinit.yaml in WORKDIR silently beating a mounted /etc/dinit.yaml surprises).
  const n = config.services.length;
  const shadowing = haveFile ? describeShadowing(choice) : null;
  log.dinit(haveFile ? `config ${file}: ${n} service${n === 1 ? '' : 's'}${shadowing ? ` (${shadowing})` : ''}` : `config: none (no ./dinit.yaml or ${file}): running main alone`);
  for (const w of [...shutdownBudget(config).warnings, ...httpWarnings(config)]) log.dinit(`warning: ${w}`);
  if (!isPid1() && !becomeSubreaper()) {
    log.dinit('warning: could not become a child subreaper; orphans of services will be reaped by PID 1 instead');
  }

  const main = config.services.find((s) => s.main)?.name;
  const mainIo = main ? mainConsole() : undefined;
  const children = new Children();
  const supervisor = new Supervisor({
    config,
    log,
    loadConfig: load,
    env: opts.env,
    host: createProcessHost(children),
    clock: realClock(),
    ...(mainIo ? { mainConsole: mainIo } : {}),
  });

  // Bound before anything starts: a probe endpoint that cannot listen is a config error (exit 2).
  let http: HttpEndpoint | null = null;
  const h = config.options.http;
  if (h) {
    try {
      const token = h.tokenFile ? readTokenFile(h.tokenFile) : null;
      // Loaded only when configured: node:http and node:crypto cost a supervisor without it nothing.
      const { startHttpEndpoint } = await import('../control/http.js');
      http = await startHttpEndpoint(supervisor, { host: h.host, port: h.port, control: h.control, token, onError: (m) => log.dinit(m) });
      const a = http.address();
      log.dinit(`http: listening on ${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port} (/livez /readyz /metrics /status${h.control && token ? ', control with token' : ''})`);
    } catch (err) {
      await hub.close();
      throw err; // reported by the CLI like a config error: nothing was started (exit 2)
    }
  }
  const reaper = createReaper({
    children,
    policy: config.options.orphans,
    onEvent: (m) => log.dinit(m),
  });
  reaper.start();
  supervisor.setOrphanSource(() => reaper.orphans());

  let server: ControlServer | null = null;
  try {
    const started = await startControlServerFirst(opts.socketPlaces, supervisor, { onError: (m) => log.dinit(`control: ${m}`) });
    server = started.server;
    log.dinit(`control socket ${server.path}${started.skipped.length ? ` (passed over ${started.skipped.join('; ')})` : ''}`);
  } catch (err) {
    if (err instanceof DinitError && err.code === 'SOCKET_IN_USE') {
      reaper.stop();
      await hub.close();
      throw err; // reported like any CLI error (exit 1)
    }
    log.dinit(`warning: ${(err as Error).message}; dinit status, health and friends will not work (set DINIT_SOCKET to a writable place)`);
  }

  // A signal that came while dinit loaded (synchronously: one CommonJS file, then the config) waits
  // in libuv for a turn of the event loop. Give it that turn while the launcher's handlers still
  // hold it, so a `docker stop` during loading counts as early and nothing starts.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const handlers = new Map<NodeJS.Signals, () => void>();
  const on = (sig: NodeJS.Signals, fn: () => void): void => {
    handlers.set(sig, fn);
    process.on(sig, fn);
  };
  on('SIGTERM', () => supervisor.beginShutdown('SIGTERM'));
  // With a terminal, SIGINT is Ctrl-C's meaning: main (the interactive job) gets it first, as from
  // tini, and its exit stops the rest; a second SIGINT while it still runs starts the orderly stop.
  let interrupted = false;
  on('SIGINT', () => {
    if (mainIo === 'terminal' && main && !interrupted && !supervisor.set.isShuttingDown() && supervisor.set.signal(main, 'SIGINT')) {
      interrupted = true;
      log.dinit('SIGINT: forwarded to main (it owns the terminal); everything stops when it exits, or at a second SIGINT');
      return;
    }
    supervisor.beginShutdown('SIGINT');
  });
  on('SIGHUP', () => {
    supervisor.reload().catch((err: unknown) => log.dinit(`reload (SIGHUP) rejected, keeping the running config (nothing changed):\n${describeConfigError(err)}`));
  });
  for (const sig of FORWARDED) {
    on(sig, () => {
      if (main && supervisor.set.signal(main, sig)) return;
      log.dinit(`received ${sig}: no main process to forward it to`);
    });
  }
  // Signals caught by the launcher while Node loaded dinit and dinit the config:
  // taken over in the same tick the handlers above went in, so none is lost.
  const early = takeEarlySignals();
  const stopEarly = early.find((s) => s === 'SIGTERM' || s === 'SIGINT');
  const onCrash = (err: unknown): void => log.dinit(`internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.on('uncaughtException', onCrash);

  // The supervisor lives until it decides to exit. Without this, when every service has failed or
  // completed and no socket listens, Node's event loop empties and the process exits 0 mid-await.
  const alive = setInterval(() => undefined, 2 ** 31 - 1);
  if (stopEarly) {
    log.dinit(`received ${stopEarly} during start-up: starting nothing`);
    supervisor.beginShutdown(stopEarly);
  } else {
    supervisor.boot();
  }
  const code = await supervisor.finished;
  clearInterval(alive);

  for (const [sig, fn] of handlers) process.off(sig, fn);
  await server?.close();
  await http?.close();
  await endOrphans(reaper, log);
  reaper.reapNow();
  reaper.stop();
  const killed = supervisor.killedAtShutdown();
  log.dinit(`exiting with code ${code}${killed.length ? ` (${killed.join(', ')} had to be killed: ${supervisor.killReason()})` : ''}`);
  await hub.close();
  process.off('uncaughtException', onCrash);
  return code;
}

/**
 * Processes left behind that no service owns (adopted, or daemons not yet
 * terminated) get SIGTERM and then SIGKILL, as s6 does: as PID 1, the kernel
 * would otherwise SIGKILL them with no chance to stop cleanly; as a subreaper,
 * they would outlive dinit.
 */
async function endOrphans(reaper: Reaper, log: SupervisorLog, graceMs = 2000): Promise<void> {
  const left = reaper.orphans();
  if (left.length === 0) return;
  log.dinit(`stopping ${left.length} leftover process(es) no service owns: ${left.map((o) => `${o.pid} (${o.comm})`).join(', ')}`);
  for (const o of left) killPid(o.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (reaper.orphans().length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    reaper.reapNow();
  }
  for (const o of reaper.orphans()) killPid(o.pid, 'SIGKILL');
}
