// `dinit top`: a full-screen live view of a running supervisor, refreshed
// every second — one row per service (state, pid, uptime, restarts, ready,
// health, CPU%, RSS) and a pane with the selected service's last log lines.
// Keys: ↑/↓ or k/j select, r restart, s stop/start, l follow the log pane
// live, q (or Ctrl-C) quit. It needs a terminal: without one it refuses
// with a hint (`dinit status` is the plain table).
//
// Everything it shows comes over the control socket (status, logs), so the
// supervisor samples resources only while someone watches. The screen is
// rendered by a pure function (renderTop) from what the last refresh got.

import { escapeControls } from '../terminal-text.js';
import { request, stream, type FollowStream } from '../control/client.js';
import type { LogLine } from '../control/target.js';
import type { ServiceStatus } from '../types.js';
import { humanPercent, parseVerbArgs } from './args.js';
import { formatBytes, formatUptime } from '../units.js';
import { QUICK_TIMEOUT_MS, SOCKET_OPTION, socketOf } from './common.js';
import { paintWith, visibleLength, type CliContext, type Paint } from './context.js';
import { chalkAt, colorLevel } from '../color.js';
import { displayState } from './status.js';

export interface TopState {
  rows: ServiceStatus[];
  selected: number;
  /** Last lines of the selected service. */
  logs: LogLine[];
  following: boolean;
  /** One line of feedback ("restarting web…", an error). */
  message: string;
  now: number;
}

const KEYS = '↑↓/jk select  r restart  s stop/start  l follow logs  q quit';

function cut(s: string, width: number): string {
  // Cells are plain or coloured ASCII here; log lines are cut on code points.
  if (visibleLength(s) <= width) return s;
  return [...s].slice(0, Math.max(0, width)).join('');
}

function stateCell(s: ServiceStatus, p: Paint): string {
  const st = displayState(s);
  return st === 'started' ? p.green(st) : st === 'failed' ? p.red(st) : st === 'stopped' ? p.dim(st) : p.yellow(st);
}

/** The whole screen, `height` lines of at most `width` columns. */
export function renderTop(state: TopState, width: number, height: number, p: Paint): string[] {
  const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'READY', 'HEALTH', 'CPU', 'RSS'];
  const cells = state.rows.map((s) => [
    escapeControls(s.name),
    stateCell(s, p),
    s.pid === null ? '-' : String(s.pid),
    s.state === 'started' ? formatUptime(state.now - s.since) : '-',
    String(s.restarts),
    s.type === 'internal' && s.state !== 'started' ? '-' : s.ready ? 'yes' : 'no',
    s.health ?? '-',
    s.cpuPercent == null ? '-' : humanPercent(s.cpuPercent),
    s.rssBytes == null ? '-' : formatBytes(s.rssBytes),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => visibleLength(r[c] ?? ''))));
  const line = (r: string[]): string => r.map((cell, c) => cell + ' '.repeat((widths[c] ?? 0) - visibleLength(cell))).join('  ');

  const out: string[] = [];
  const up = state.rows.filter((s) => s.state === 'started').length;
  out.push(cut(`${p.bold('dinit top')}  ${state.rows.length} services, ${up} started  ${new Date(state.now).toTimeString().slice(0, 8)}`, width));
  out.push(cut(p.dim(KEYS), width));
  out.push(cut(p.bold(line(header)), width));
  // The table gets up to half the screen; the log pane the rest.
  const tableRows = Math.max(1, Math.min(cells.length, Math.floor((height - 5) / 2)));
  const first = Math.min(Math.max(0, state.selected - tableRows + 1), Math.max(0, cells.length - tableRows));
  for (let i = first; i < first + tableRows && i < cells.length; i++) {
    const text = cut(line(cells[i] ?? []), width);
    out.push(i === state.selected ? `\x1b[7m${text}${' '.repeat(Math.max(0, width - visibleLength(text)))}\x1b[27m` : text);
  }
  const sel = state.rows[state.selected];
  const title = sel ? `── logs: ${escapeControls(sel.name)}${state.following ? ' (following)' : ''} ` : '── logs ';
  out.push(p.dim(cut(title + '─'.repeat(Math.max(0, width - title.length)), width)));
  const paneLines = Math.max(0, height - out.length - 1);
  // A full-screen view: a service's escape sequences would repaint it, so its lines are shown escaped here (`dinit logs` keeps them as written).
  for (const l of state.logs.slice(-paneLines)) out.push(cut(escapeControls(l.stream === 'dinit' ? `[dinit] ${l.line}` : l.line), width));
  while (out.length < height - 1) out.push('');
  out.push(cut(escapeControls(state.message), width));
  return out.slice(0, height);
}

export async function execute(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, SOCKET_OPTION, false);
  const socket = socketOf(values, ctx);
  const stdin = process.stdin;
  const stdout = process.stdout;
  if (!ctx.io.isTTY || !stdin.isTTY) {
    ctx.io.err('dinit top needs a terminal: run it with `docker exec -it CTR dinit top`. For a plain table use `dinit status` (e.g. `watch dinit status`).\n');
    return 2;
  }
  // Fails here (exit 3) if no supervisor answers, before the screen is taken.
  const first = await request(socket, 'status', { names: [] }, { timeoutMs: QUICK_TIMEOUT_MS });
  const p = paintWith(await chalkAt(colorLevel(true, ctx.env)));
  const state: TopState = { rows: first, selected: 0, logs: [], following: false, message: '', now: Date.now() };
  let follow: FollowStream<LogLine[]> | null = null;
  let busy = false;
  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (done = r));

  const draw = (): void => {
    const lines = renderTop(state, stdout.columns || 80, stdout.rows || 24, p);
    stdout.write('\x1b[H' + lines.map((l) => l + '\x1b[K').join('\r\n'));
  };
  const selectedName = (): string | undefined => state.rows[state.selected]?.name;

  const stopFollowing = (): void => {
    follow?.close();
    follow = null;
    state.following = false;
  };
  const startFollowing = async (name: string): Promise<void> => {
    stopFollowing();
    state.following = true;
    const s = await stream(
      socket,
      'logs',
      { names: [name], n: 200, follow: true },
      {
        onResult: (backlog) => {
          state.logs = backlog;
          draw();
        },
        onEvent: (ev) => {
          if (ev.event !== 'line') return;
          state.logs.push(ev.line);
          if (state.logs.length > 500) state.logs.splice(0, state.logs.length - 200);
          draw();
        },
      },
    );
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a key press during the await may have stopped following; TS keeps the narrowing from before it
    if (!state.following || selectedName() !== name) s.close();
    else follow = s;
  };

  const refresh = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      state.rows = await request(socket, 'status', { names: [] }, { timeoutMs: QUICK_TIMEOUT_MS });
      state.selected = Math.min(state.selected, Math.max(0, state.rows.length - 1));
      const name = selectedName();
      if (name && !state.following) state.logs = await request(socket, 'logs', { names: [name], n: 200, follow: false }, { timeoutMs: QUICK_TIMEOUT_MS });
      state.now = Date.now();
    } catch (err) {
      state.message = `supervisor: ${(err as Error).message}`;
      if ((err as { code?: string }).code === 'UNREACHABLE') done(3);
    } finally {
      busy = false;
    }
    draw();
  };

  const act = async (verb: 'restart' | 'start' | 'stop', name: string): Promise<void> => {
    state.message = `${verb} ${name}…`;
    draw();
    try {
      await request(socket, verb, { names: [name], wait: false }, { timeoutMs: QUICK_TIMEOUT_MS });
      state.message = `${verb} ${name}: requested`;
    } catch (err) {
      state.message = `${verb} ${name}: ${(err as Error).message}`;
    }
    await refresh();
  };

  const onKey = (data: Buffer): void => {
    const k = data.toString('utf8');
    const move = (d: number): void => {
      state.selected = Math.min(Math.max(0, state.selected + d), Math.max(0, state.rows.length - 1));
      if (state.following) {
        const n = selectedName();
        if (n) void startFollowing(n).catch((e: Error) => (state.message = e.message));
      }
      void refresh();
    };
    const name = selectedName();
    if (k === 'q' || k === '\x03' || k === 'Q') return done(0);
    if (k === '\x1b[A' || k === 'k' || k === '\x1bOA') return move(-1);
    if (k === '\x1b[B' || k === 'j' || k === '\x1bOB') return move(1);
    if (!name) return;
    const row = state.rows[state.selected];
    if (k === 'r') void act('restart', name);
    else if (k === 's') void act(row?.target === 'up' ? 'stop' : 'start', name);
    else if (k === 'l') {
      if (state.following) {
        stopFollowing();
        void refresh();
      } else void startFollowing(name).catch((e: Error) => (state.message = e.message));
      draw();
    }
  };

  // Take the screen: alternate buffer, no cursor, raw keys; give it all back however we leave.
  const restore = (): void => {
    stdin.off('data', onKey);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    stdout.write('\x1b[?25h\x1b[?1049l');
  };
  stdout.write('\x1b[?1049h\x1b[?25l\x1b[2J');
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', onKey);
  const onResize = (): void => {
    stdout.write('\x1b[2J');
    draw();
  };
  stdout.on('resize', onResize);
  const stop = ctx.io.interrupted();
  const onAbort = (): void => done(0);
  stop.addEventListener('abort', onAbort, { once: true });
  const timer = setInterval(() => void refresh(), 1000);
  void refresh();
  try {
    return await finished;
  } finally {
    clearInterval(timer);
    stopFollowing();
    stop.removeEventListener('abort', onAbort);
    stdout.off('resize', onResize);
    restore();
  }
}
