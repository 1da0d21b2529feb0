// src/units.ts: the one home of durations, sizes and signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatUptime, parseDuration, parseSignal, signalNumber } from '../src/units.js';
import { exitCodeOf } from '../src/core/status.js';

test('a formatted duration reads back as the same duration', () => {
  for (const ms of [0, 250, 1000, 1500, 9000, 59_500, 60_000, 90_000, 120_000, 3_600_000, 5_400_000, 3_723_000]) {
    assert.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
  }
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(5_400_000), '1h30m');
});

test('uptime is coarse: whole units, days past a day', () => {
  assert.equal(formatUptime(192_000), '3m12s');
  assert.equal(formatUptime(5 * 3_600_000 + 4 * 60_000 + 59_000), '5h4m');
  assert.equal(formatUptime(51 * 3_600_000), '2d3h');
});

test('signals: one table for names, numbers and the 128+N exit code', () => {
  assert.equal(parseSignal('term'), 'SIGTERM');
  assert.equal(parseSignal(6), 'SIGABRT', 'a number prints as the primary name, not an alias');
  assert.equal(parseSignal('IOT'), 'SIGIOT');
  assert.equal(parseSignal('SIGWHAT'), undefined);
  assert.equal(signalNumber('SIGKILL'), 9);
  assert.equal(signalNumber('SIGNOPE'), undefined);
});

test('signals: numbers and names both ways, the shell exit code, and everything else refused', () => {
  assert.equal(parseSignal(15), 'SIGTERM');
  assert.equal(signalNumber('SIGKILL'), 9);
  assert.equal(parseSignal(1000), undefined);
  assert.equal(exitCodeOf(null, 'SIGTERM'), 143);
  for (const s of ['TERM', 'SIGTERM', 'term', ' 15 ', 15]) assert.equal(parseSignal(s), 'SIGTERM');
  for (const s of ['NOPE', '', '999', 1.5]) assert.equal(parseSignal(s), undefined);
});

test('sizes in a sentence read like 1 MiB, 128 KiB, 1.5 GiB and 512 bytes: the table form with a space and words', () => {
  const prose = (n: number): string => formatBytes(n, { prose: true });
  assert.equal(prose(512), '512 bytes');
  assert.equal(prose(4096), '4 KiB');
  assert.equal(prose(128 * 1024), '128 KiB');
  assert.equal(prose(1024 ** 2), '1 MiB');
  assert.equal(prose(16 * 1024 ** 2), '16 MiB');
  assert.equal(prose(1024 ** 2 + 1), '1.0 MiB', 'not a whole number: the table keeps its decimal');
  assert.equal(prose(1.5 * 1024 ** 3), '1.5 GiB');
  assert.equal(prose(17 * 1024 ** 2 + 3), '17 MiB');
  assert.equal(formatBytes(1024 ** 2), '1.0MiB', 'the status table form is unchanged');
});
