// Durations, sizes and signals: parsed and written once, for dinit.yaml, the
// CLI's arguments, the graph's reasons and dinit's event lines alike. Pure (no
// Node module), so every layer may use it and the client verbs load nothing
// with it. Parsers answer `undefined` instead of guessing, so each caller can
// say exactly what is allowed. Numbers without a unit mean seconds (durations)
// or bytes (sizes), the way docker compose and systemd users expect.

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `10s`, `2m`, `1h`, `1m30s`, or a number of seconds (may be fractional). Returns ms. */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1000);
  return Math.round(total);
}

/**
 * A duration as dinit.yaml would write it, for messages and event lines, and
 * parseable back: 250ms, 1.5s, 9s, 2m, 1m30s, 1h, 1h30m. Below a minute
 * seconds keep their fraction; above, the parts are whole.
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${ms / 1000}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** An elapsed time as the status table's uptime shows it: coarse, whole units: 3m12s, 5h4m, 2d3h. */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

// Bare K/M/G are binary like docker's `10m`; KB/MB/GB are SI, KiB/MiB/GiB binary.
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Bytes from `10MB`, `512KB`, `1GiB`, `10m` or a plain number of bytes. */
export function parseSize(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/**
 * Bytes in binary units, one decimal below 10, the one way dinit writes a size.
 * As the status table shows memory: 1720320 → `1.6MiB`, 512 → `512B`. With
 * `{ prose: true }`, for a sentence: `1.6 MiB`, a whole number without its
 * `.0` (`1 MiB`, `128 KiB`), less than 1 KiB as `512 bytes`.
 */
export function formatBytes(n: number, opts: { prose?: boolean } = {}): string {
  const prose = opts.prose === true;
  if (n < 1024) return prose ? `${n} bytes` : `${n}B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const num = v < 10 && !(prose && Number.isInteger(v)) ? v.toFixed(1) : String(Math.round(v));
  return `${num}${prose ? ' ' : ''}${units[u]}`;
}

/** Linux's signal numbers (dinit runs in Linux containers); aliases after the name a number prints as. */
const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** `SIGTERM`, `TERM`, `term` or `15` → 'SIGTERM'; undefined unless it is a real signal. */
export function parseSignal(v: string | number): NodeJS.Signals | undefined {
  const s = typeof v === 'number' ? v : v.trim();
  const num = typeof s === 'number' ? s : /^\d+$/.test(s) ? Number(s) : undefined;
  if (num !== undefined) {
    for (const [name, n] of Object.entries(SIGNALS)) if (n === num) return name as NodeJS.Signals;
    return undefined;
  }
  const upper = String(s).toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(SIGNALS, name) ? (name as NodeJS.Signals) : undefined;
}

/** A signal's number (for the shell's 128+N exit code); undefined for a name Linux does not have. */
export function signalNumber(name: string): number | undefined {
  return Object.hasOwn(SIGNALS, name) ? SIGNALS[name] : undefined;
}
