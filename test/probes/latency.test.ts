// Latency from the condition becoming true to onReady (figures: latency.ts --measure).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { measure } from './latency.js';

// Generous bounds: the point is the order of magnitude (push kinds do not wait
// for a 60s timer; polling kinds do not sleep past their interval), not a
// benchmark under test load. The figures: node latency.js --measure.
test('push kinds (log, notify fd, notify systemd) report readiness as it happens, not on a timer', async () => {
  for (const kind of ['log', 'notify-fd', 'notify-systemd'] as const) {
    const f = await measure(kind, 60_000, 1);
    assert.ok(f.max < 5000, `${kind}: ${f.samples.map((s) => s.toFixed(1)).join(', ')}ms with a 60s interval`);
  }
});

test('polling kinds notice the condition within one interval', async () => {
  for (const kind of ['tcp', 'http', 'exec'] as const) {
    const f = await measure(kind, 100, 1);
    assert.ok(f.max < 5000, `${kind}: ${f.samples.map((s) => s.toFixed(1)).join(', ')}ms with a 100ms interval`);
  }
});
