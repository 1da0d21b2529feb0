// Cron schedules: the one place that knows the cron library (croner, no
// dependencies; 5 fields, an optional first field of seconds, @hourly-style
// shortcuts, IANA time zones). The config check asks it whether a schedule
// parses; the runtime asks it when the next tick after a time is.

import { Cron } from 'croner';

/** null if the schedule parses, else the library's reason. */
export function cronProblem(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true });
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, '');
  }
}

export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The next tick strictly after `after` (ms since epoch), or null if the schedule never fires again. */
export function nextTick(pattern: string, after: number, timezone?: string): number | null {
  const c = new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) });
  return c.nextRun(new Date(after))?.getTime() ?? null;
}
