// `dinit status [SERVICE...] [--json]`: one row per service. The table is
// for people (aligned, coloured on a TTY, human uptimes, the reason a service
// is down); --json is for scripts and prints the ServiceStatus objects as the
// supervisor sent them.

import { request } from '../control/client.js';
import { splitStatusReply, type StatusWithOrphans } from '../control/protocol.js';
import { escapeControls, terminalJson } from '../terminal-text.js';
import type { ServiceStatus } from '../types.js';
import { humanPercent, parseVerbArgs } from './args.js';
import { formatBytes, formatUptime } from '../units.js';
import { QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import { paintFor, visibleLength, type CliContext, type Paint } from './context.js';
import { EXIT } from '../errors.js';

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  return showStatus(argv, ctx, () => paintFor(ctx));
}

/**
 * The verb, with how to paint given: the client's fast lane (src/bin/client.ts)
 * runs it only when there is no colour to paint and passes plain text, so the
 * colour library is not part of what `dinit status` compiles.
 */
export async function showStatus(argv: string[], ctx: CliContext, paint: () => Promise<Paint>): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { ...SOCKET_OPTION, json: { type: 'boolean' } });
  const socket = socketOf(values, ctx);
  // The table's orphans line comes in the same reply (one connection, one round trip).
  const withOrphans = !values.json && positionals.length === 0;
  const asked = { timeoutMs: QUICK_TIMEOUT_MS };
  const answer: ServiceStatus[] | StatusWithOrphans = await request(socket, 'status', withOrphans ? { names: positionals, orphans: true } : { names: positionals }, asked);
  const reply = splitStatusReply(answer);
  if (values.json) {
    ctx.io.out(terminalJson(reply.rows, 2) + '\n');
    return EXIT.OK;
  }
  ctx.io.out(renderStatusTable(reply.rows, Date.now(), await paint()));
  // A supervisor from before the combined reply sends the bare list: ask it separately.
  const orphans = withOrphans ? (reply.orphans ?? (await request(socket, 'orphans', {}, asked))) : [];
  if (orphans.length) ctx.io.out(`orphans (not owned by any service): ${orphans.map((o) => `${o.pid} (${escapeControls(o.comm)})`).join(', ')}\n`);
  return EXIT.OK;
}

/** What the STATE column says: `failed` is a stopped service that failed. */
export function displayState(s: ServiceStatus): string {
  return s.failed && s.state === 'stopped' ? 'failed' : s.state;
}

function colourState(state: string, p: Paint): string {
  switch (state) {
    case 'started':
      return p.green(state);
    case 'starting':
    case 'stopping':
      return p.yellow(state);
    case 'failed':
      return p.red(state);
    default:
      return p.dim(state);
  }
}

function lastExit(s: ServiceStatus): string {
  if (s.exitSignal) return s.exitSignal;
  if (s.exitCode !== null) return String(s.exitCode);
  return '-';
}

function detail(s: ServiceStatus): string {
  const parts: string[] = [];
  if ((s.state === 'stopped' || s.failed) && s.reason) parts.push(s.reason);
  if (s.health === 'unhealthy') parts.push('unhealthy');
  if (s.statusText) parts.push(s.statusText);
  // STATUS= and reasons are the service's words: escape sequences are shown, never obeyed.
  return escapeControls(parts.join('; '));
}

export function renderStatusTable(rows: ServiceStatus[], now: number, p: Paint): string {
  if (rows.length === 0) return 'no services\n';
  // A supervisor that samples resources sends cpuPercent (null with no process); an older one does not.
  const figures = rows.some((s) => s.cpuPercent !== undefined);
  const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST-EXIT', 'READY', ...(figures ? ['CPU', 'RSS'] : []), 'STATUS'];
  const body = rows.map((s) => {
    const state = displayState(s);
    const usage = figures ? [s.cpuPercent == null ? '-' : humanPercent(s.cpuPercent), s.rssBytes == null ? '-' : formatBytes(s.rssBytes)] : [];
    return [
      escapeControls(s.name),
      colourState(state, p),
      s.pid === null ? '-' : String(s.pid),
      s.state === 'started' ? formatUptime(now - s.since) : '-',
      String(s.restarts),
      lastExit(s),
      s.type === 'internal' && s.state !== 'started' ? '-' : s.ready ? 'yes' : 'no',
      ...usage,
      detail(s),
    ];
  });
  const all = [header.map((h) => p.bold(h)), ...body];
  const widths = header.map((_, c) => Math.max(...all.map((r) => visibleLength(r[c] ?? ''))));
  return (
    all
      .map((r) =>
        r
          .map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat((widths[c] ?? 0) - visibleLength(cell))))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
