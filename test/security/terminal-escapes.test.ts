// Text a service controls never reaches the operator's terminal raw: a
// STATUS= with ESC[2J (clear screen), ESC[1A (repaint the row above) or an
// OSC title is shown escaped in `dinit status`, an exec error quoting a
// hostile command name is escaped in dinit's event line; `--json` keeps the
// exact text (JSON-escaped), and service output stays as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { fixture, out } from '../e2e/support.js';
import { escapeControls } from '../../src/terminal-text.js';
import { renderStatusTable } from '../../src/cli/status.js';
import { renderTop } from '../../src/cli/top.js';
import { paintWith } from '../../src/cli/context.js';
import { svcStatus } from '../control/fake-target.js';

const HOSTILE = '\u001b[2J\u001b[1Astarted\u001b]0;pwned\u0007\u009b31m\u202e';
const ESC_OR_C1 = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

test('escapeControls shows C0, DEL, C1 and bidi overrides as visible escapes and leaves other text alone', () => {
  assert.equal(escapeControls(HOSTILE), '\\x1b[2J\\x1b[1Astarted\\x1b]0;pwned\\x07\\x9b31m\\u202e');
  assert.equal(escapeControls('tab\there\nnewline'), 'tab\\x09here\\x0anewline');
  assert.equal(escapeControls('plain ünïcödé ✓ 日本'), 'plain ünïcödé ✓ 日本');
});

test('the status table escapes a hostile STATUS= text and reason', () => {
  const table = renderStatusTable([svcStatus('web', { statusText: HOSTILE }), svcStatus('db', { state: 'stopped', failed: true, reason: `exited: ${HOSTILE}` })], Date.now(), paintWith(null));
  assert.doesNotMatch(table, ESC_OR_C1);
  assert.match(table, /\\x1b\[2J\\x1b\[1Astarted/);
});

test('a real service sending escape sequences in STATUS= cannot reach the terminal through dinit status; --json keeps them exact', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:\n  web:\n    command: ${fixture('notify-systemd-steps.js', `send:STATUS=${HOSTILE}\\nREADY=1`)}\n    ready: { notify: systemd }\n  nope:\n    command: ${JSON.stringify(['/no/such/\u001b[2Jprogram'])}\n    restart: never\n`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('web', 'done'));
  // READY=1 came with STATUS= in one datagram: once web is started, its STATUS= is there.
  let table = '';
  const deadline = Date.now() + 15_000;
  while (!/web\s+started/.test(table) && Date.now() < deadline) table = (await d.cli(['status'])).stdout;
  assert.match(table, /pwned/, table);
  assert.doesNotMatch(table, ESC_OR_C1, 'status printed a raw control character');
  const raw = await d.cli(['status', '--json']);
  const rows = JSON.parse(raw.stdout) as { name: string; statusText: string | null }[];
  assert.equal(rows.find((r) => r.name === 'web')?.statusText, HOSTILE, 'JSON keeps the exact text');
  assert.doesNotMatch(raw.stdout, ESC_OR_C1, 'JSON escapes it');
  // dinit's own event line quoting the hostile command name is escaped on its console.
  const line = await d.waitForLine(/nope failed to start/);
  assert.doesNotMatch(line, ESC_OR_C1, line);
  assert.match(line, /\\x1b\[2Jprogram/);
});

test('dinit top shows a service line with escape sequences escaped: they cannot repaint its screen', () => {
  const rows = [svcStatus('web')];
  const lines = renderTop({ rows, selected: 0, logs: [{ time: 0, service: 'web', stream: 'stdout', line: HOSTILE }], following: false, message: '', now: Date.now() }, 120, 12, paintWith(null));
  const pane = lines.find((l) => l.includes('pwned'));
  assert.ok(pane, lines.join('\n'));
  assert.doesNotMatch(pane, ESC_OR_C1);
});
