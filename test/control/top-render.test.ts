// The screen of `dinit top`, rendered from a state (the tmux test drives the real one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paintWith } from '../../src/cli/context.js';
import { renderTop, type TopState } from '../../src/cli/top.js';
import { svcStatus } from './fake-target.js';

const now = 1_000_000;
function state(over: Partial<TopState> = {}): TopState {
  const rows = Array.from({ length: 12 }, (_, i) => svcStatus(`svc${i}`, { pid: 100 + i, since: now - 61_000, cpuPercent: i, rssBytes: 1_048_576 * (i + 1), cpuSeconds: i }));
  return { rows, selected: 0, logs: [{ time: now, service: 'svc0', stream: 'stdout', line: 'hello' }], following: false, message: '', now, ...over };
}

test('the screen fills the terminal exactly: header, keys, table, log pane, message line', () => {
  const lines = renderTop(state({ message: 'restart svc0: requested' }), 80, 24, paintWith(null));
  assert.equal(lines.length, 24);
  assert.match(lines[0]!, /^dinit top {2}12 services, 12 started/);
  assert.match(lines[2]!, /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+READY\s+HEALTH\s+CPU\s+RSS\s*$/);
  assert.match(lines[3]!, /svc0\s+started\s+100\s+1m1s\s+0\s+yes\s+-\s+0\.0%\s+1\.0MiB/);
  assert.ok(lines.some((l) => /^── logs: svc0 ─+$/.test(l)));
  assert.ok(lines.includes('hello'));
  assert.equal(lines[23], 'restart svc0: requested');
  for (const l of lines) assert.ok(l.replace(/\x1b\[[0-9;]*m/g, '').length <= 80, l);
});

test('the table scrolls to keep the selected service in view, marked in reverse video', () => {
  const lines = renderTop(state({ selected: 11, following: true }), 80, 16, paintWith(null));
  const rows = lines.filter((l) => /svc\d+\s+started/.test(l));
  assert.ok(rows.length < 12, 'not every row fits');
  const sel = rows.find((l) => l.includes('svc11'));
  assert.ok(sel?.startsWith('\x1b[7m'), 'the selected row is highlighted');
  assert.ok(lines.some((l) => l.startsWith('── logs: svc11 (following) ')));
});
