// Health: the same polling probes, run for as long as the service is started.
// Reports transitions only:
//
//   unknown ──success──▶ healthy ──`retries` failures in a row──▶ unhealthy
//      └──────`retries` failures──────────────────────────────────▲   │
//                        ▲─────────────────success────────────────────┘
//
// During `start-period` (from startHealth) failures are not counted, as in
// Docker's HEALTHCHECK; the first success ends the start period early. Each
// counted failure is also reported through onStatus so `dinit status` can say
// why. Probing goes on after onUnhealthy (the driver normally restarts the
// service and cancels us; if it does not, a recovery is reported).
//
// `log` and the notify kinds describe readiness, not liveness: given one, health
// reports healthy once and never probes (the config should reject them).

import type { HealthSpec } from '../../types.js';
import { checkFor, describeProbe } from './checks.js';
import type { Cancellable, HealthCallbacks, ProbeContext } from './context.js';
import { poll } from './poller.js';

/** - unknown: no verdict yet; healthy / unhealthy: the last reported transition. */
type HealthState = 'unknown' | 'healthy' | 'unhealthy';

export function startHealth(spec: HealthSpec, ctx: ProbeContext, cb: HealthCallbacks): Cancellable {
  const check = checkFor(spec.probe, ctx, spec.timeout);
  let cancelled = false;
  if (!check) {
    const t = ctx.clock.setTimer(0, () => {
      if (!cancelled) cb.onHealthy();
    });
    return {
      cancel() {
        cancelled = true;
        ctx.clock.clearTimer(t);
      },
    };
  }

  const what = describeProbe(spec.probe);
  const retries = Math.max(1, Math.floor(spec.retries));
  const graceUntil = ctx.clock.now() + Math.max(0, spec.startPeriod);
  let inGrace = spec.startPeriod > 0;
  let state: HealthState = 'unknown';
  let failures = 0;

  const poller = poll(ctx.clock, check, spec.interval, (r) => {
    if (cancelled) return 'stop';
    if (r.ok) {
      inGrace = false;
      failures = 0;
      if (state !== 'healthy') {
        state = 'healthy';
        cb.onHealthy();
      }
      return 'continue';
    }
    if (inGrace && ctx.clock.now() < graceUntil) return 'continue';
    inGrace = false;
    failures++;
    cb.onStatus?.(`health check failed (${Math.min(failures, retries)} of ${retries}): ${what}: ${r.message}`);
    if (failures >= retries && state !== 'unhealthy') {
      state = 'unhealthy';
      cb.onUnhealthy(`health check failed ${failures} time${failures === 1 ? '' : 's'} in a row: ${what}: ${r.message}`);
    }
    return 'continue';
  });

  return {
    cancel() {
      cancelled = true;
      poller.cancel();
    },
  };
}
