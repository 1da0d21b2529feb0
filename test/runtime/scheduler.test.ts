// Schedules through the fake clock: ticks fire at their cron times, a run
// still going makes the tick skipped (and counted), long waits are re-armed
// without losing the tick, a reload keeps what did not change, a shutdown
// stops every tick.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Scheduler, type ScheduleKind } from '../../src/runtime/scheduler.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { svc } from '../helpers/service-config.js';

const MIN = 60_000;

function setup(busy: () => boolean = () => false) {
  const clock = new FakeClock();
  const fired: { name: string; kind: ScheduleKind; at: number }[] = [];
  const scheduler = new Scheduler(clock, {
    fire: (name, kind) => {
      if (busy()) return 'skipped';
      fired.push({ name, kind, at: clock.now() });
      return 'ran';
    },
    timezone: 'UTC',
  });
  return { clock, fired, scheduler };
}

describe('scheduler', () => {
  test('a */5 schedule fires on every fifth minute, again and again', () => {
    const { clock, fired, scheduler } = setup();
    scheduler.configure([svc('job', { type: 'scripted', schedule: '*/5 * * * *' })]);
    const first = scheduler.info('job')?.next ?? 0;
    assert.equal(first % (5 * MIN), 0, 'the next tick is on a five-minute boundary');
    assert.ok(first > clock.now());
    clock.advance(first - clock.now() - 1);
    assert.equal(fired.length, 0, 'not before its time');
    clock.advance(1);
    clock.advance(10 * MIN);
    assert.deepEqual(
      fired.map((f) => f.at),
      [first, first + 5 * MIN, first + 10 * MIN],
    );
    assert.equal(scheduler.info('job')?.next, first + 15 * MIN);
  });

  test('a tick while the last run is still going is skipped and counted', () => {
    let running = false;
    const { clock, fired, scheduler } = setup(() => running);
    scheduler.configure([svc('job', { type: 'scripted', schedule: '* * * * *' })]);
    clock.advance(MIN);
    running = true;
    clock.advance(2 * MIN);
    running = false;
    clock.advance(MIN);
    assert.equal(fired.length, 2);
    assert.equal(scheduler.info('job')?.skipped, 2);
  });

  test('a daily restart-schedule fires once a day, through waits longer than a timer may wait', () => {
    const { clock, fired, scheduler } = setup();
    scheduler.configure([svc('web', { restartSchedule: '0 4 * * *' })]);
    clock.advance(2 * 24 * 60 * MIN);
    assert.equal(fired.length, 2);
    for (const f of fired) {
      assert.equal(f.kind, 'restart');
      assert.equal(new Date(f.at).getUTCHours(), 4);
      assert.equal(new Date(f.at).getUTCMinutes(), 0);
    }
    assert.equal(scheduler.info('web')?.lastRun, fired[1]?.at);
  });

  test('schedule-timezone shifts the ticks; a reload keeps unchanged schedules and re-arms changed ones', () => {
    const { clock, fired, scheduler } = setup();
    const berlin = svc('job', { type: 'scripted', schedule: '0 4 * * *', scheduleTimezone: 'Asia/Tokyo' });
    scheduler.configure([berlin, svc('other', { type: 'scripted', schedule: '* * * * *' })]);
    clock.advance(24 * 60 * MIN);
    const tokyo = fired.filter((f) => f.name === 'job');
    assert.equal(tokyo.length, 1);
    assert.equal(new Date(tokyo[0]?.at ?? 0).getUTCHours(), 19, '04:00 in Tokyo is 19:00 UTC');
    scheduler.ran('other');
    const before = scheduler.info('other');
    scheduler.configure([svc('job', { type: 'scripted', schedule: '30 * * * *' }), svc('other', { type: 'scripted', schedule: '* * * * *' })]);
    assert.deepEqual(scheduler.info('other'), before, 'unchanged: same figures, same next tick');
    assert.equal(new Date(scheduler.info('job')?.next ?? 0).getUTCMinutes(), 30);
    scheduler.configure([]);
    assert.equal(scheduler.info('job'), undefined);
    const n = fired.length;
    clock.advance(120 * MIN);
    assert.equal(fired.length, n, 'removed schedules do not fire');
  });

  test('after stop() nothing fires', () => {
    const { clock, fired, scheduler } = setup();
    scheduler.configure([svc('job', { type: 'scripted', schedule: '* * * * * *' })]);
    clock.advance(3000);
    assert.equal(fired.length, 3, 'a seconds schedule fires every second');
    scheduler.stop();
    clock.advance(10 * MIN);
    assert.equal(fired.length, 3);
    assert.equal(clock.pending(), 0);
  });
});
