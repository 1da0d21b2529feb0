// A child-process harness for the log tests, so a LogHub can own real fds 1
// and 2 (pipes the test controls). It does nothing unless started with
// `--harness MODE`, because the test runner may load every file under test/.
//
//   --harness flood RESULT_FILE JSON   services = [{name, lines, size, stderr?}]:
//       spawn flood-output.js for each, attach, measure timer lag and memory,
//       say `flooded` on fd 3 once every producer ended, flush, then write
//       {maxLagMs, rssGrowth, dropped, flags*, stdoutKind} to RESULT_FILE.
//   --harness color                    print one service line and one dinit line
//       with colour detection left to the environment.
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fstatSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { LogHub } from '../../src/log/index.js';
import { fixtureBin } from '../helpers/paths.js';
import { spec } from './helpers.js';
import { PassThrough } from 'node:stream';

interface FloodService {
  name: string;
  lines: number;
  size: number;
  stderr?: boolean;
}

/**
 * ms our threads have spent runnable but waiting for a CPU (0 if the kernel
 * does not say). All threads, not just the loop's: the loop also sleeps while
 * it waits for V8's GC helper threads, and they may be the ones kept off a CPU.
 */
function runQueueWaitMs(): number {
  let total = 0;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0;
      } catch {
        /* thread ended */
      }
    }
  } catch {
    /* no /proc */
  }
  return total;
}

function fdFlags(fd: number): number {
  const m = /flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return m ? parseInt(m[1]!, 8) : -1;
}

async function flood(resultFile: string, services: FloodService[], maxQueueBytes?: number): Promise<void> {
  // What we measure is whether the hub itself ever blocks, not how busy the
  // machine is: when allowed (root), ask the scheduler to favour us.
  try {
    setPriority(-10);
  } catch {
    /* not permitted: measure at normal priority */
  }
  const flagsBefore = fdFlags(1);
  const hub = new LogHub({ stdout: 1, stderr: 2, format: 'text', timestamps: false, color: false, maxQueueBytes });
  for (const s of services) hub.addService(s.name, spec());
  // Spawning is synchronous (fork/exec) and not the hub's business: do it
  // before measuring.
  const children = services.map((s) => {
    const args = [fixtureBin('flood-output.js'), '--lines', String(s.lines), '--size', String(s.size)];
    if (s.stderr) args.push('--stderr');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Our own priority was raised; the producers run at the ordinary one.
    if (child.pid) setPriority(child.pid, 0);
    return [s.name, child] as const;
  });
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  // Timer lag of the event loop, minus the time our threads spent runnable
  // but waiting for a CPU (/proc/self/task/*/schedstat): what remains is time
  // the loop itself was busy or blocked (e.g. in a write to a full pipe),
  // whatever else the machine is doing. The raw lag is reported too.
  let maxLagMs = 0;
  let maxRawLagMs = 0;
  let last = performance.now();
  let lastWait = runQueueWaitMs();
  const tick = setInterval(() => {
    const now = performance.now();
    const wait = runQueueWaitMs();
    const raw = now - last - 10;
    maxRawLagMs = Math.max(maxRawLagMs, raw);
    maxLagMs = Math.max(maxLagMs, raw - (wait - lastWait));
    last = now;
    lastWait = wait;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 10);
  await Promise.all(children.map(([name, child]) => hub.attach(name, child.stdout, child.stderr)));
  clearInterval(tick);
  const flagsAfter = fdFlags(1);
  // Tell the test (fd 3, if it gave us one) that all output has been taken in.
  try {
    writeSync(3, 'flooded\n');
  } catch {
    /* no fd 3 */
  }
  await hub.flush(20_000);
  writeFileSync(
    resultFile,
    JSON.stringify({
      maxLagMs,
      maxRawLagMs,
      rssGrowth: rssPeak - rssStart,
      dropped: hub.dropped(),
      flagsBefore,
      flagsAfter,
      stdoutKind: fstatSync(1).isFIFO() ? 'fifo' : fstatSync(1).isSocket() ? 'socket' : 'other',
    }),
  );
  await hub.close();
}

async function color(): Promise<void> {
  const hub = new LogHub({ stdout: 1, stderr: 2, format: 'text', timestamps: false });
  hub.addService('web', spec());
  const src = new PassThrough();
  const done = hub.attach('web', src, null);
  src.end('hello\n');
  await done;
  hub.dinit('event');
  await hub.close();
}

const argv = process.argv.slice(2);
if (argv[0] === '--harness') {
  const run = argv[1] === 'flood' ? flood(argv[2]!, JSON.parse(argv[3]!) as FloodService[], argv[4] ? Number(argv[4]) : undefined) : color();
  run.catch((err: unknown) => {
    writeFileSync(2, `harness failed: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
