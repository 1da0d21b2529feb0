// The pure parts of the protocol and the CLI's argument handling.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { humanPercent, parseDurationArg, parseSignalArg, parseVerbArgs } from '../../src/cli/args.js';
import { closest as didYouMean } from '../../src/suggest.js';
import { formatBytes as humanBytes, formatUptime as humanDuration } from '../../src/units.js';
import { Chalk } from 'chalk';
import { paintWith } from '../../src/cli/context.js';
import { planCommand } from '../../src/cli/main.js';
import { parseRunArgs } from '../../src/cli/run.js';
import { renderStatusTable } from '../../src/cli/status.js';

import { CappedLineReader, PROTOCOL_VERSION, errorToWire, parseRequest, parseServerMessage } from '../../src/control/protocol.js';
import { socketPlaces } from '../../src/control/socket-path.js';
import { ConfigError, DinitError } from '../../src/errors.js';
import { svcStatus } from './fake-target.js';

describe('protocol framing', () => {
  test('the line splitter reassembles lines across chunks, including split multi-byte characters', () => {
    const lines: string[] = [];
    const s = new CappedLineReader(
      100,
      (l) => lines.push(l),
      () => assert.fail('no overflow'),
    );
    const bytes = Buffer.from('héllo\nwörld\n\npartial');
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    assert.deepEqual(lines, ['héllo', 'wörld']);
    assert.equal(s.pending, Buffer.byteLength('partial'));
  });

  test('the line splitter reports a line over its limit once and then stops', () => {
    let overflows = 0;
    const lines: string[] = [];
    const s = new CappedLineReader(
      10,
      (l) => lines.push(l),
      () => overflows++,
    );
    s.push(Buffer.from('short\n0123456789'));
    s.push(Buffer.from('X'));
    s.push(Buffer.from('more\nlines\n'));
    assert.deepEqual(lines, ['short']);
    assert.equal(overflows, 1);
  });

  test('requests are validated: bad JSON, missing id, unknown verb, bad args', () => {
    assert.equal(parseRequest('nope').ok, false);
    assert.equal(parseRequest('[1]').ok, false);
    const noId = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, verb: 'status' }));
    assert.ok(!noId.ok && /'id'/.test(noId.error.message));
    const unknown = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, verb: 'explode' }));
    assert.ok(!unknown.ok && unknown.id === 1 && /unknown verb 'explode'/.test(unknown.error.message));
    // An object verb with no string form (fuzz seed 1082214535) is an error reply, not a throw.
    const objVerb = parseRequest('{"v":' + String(PROTOCOL_VERSION) + ',"id":2,"verb":{"toString":[]}}');
    assert.ok(!objVerb.ok && /unknown verb '\{"toString":\[\]\}'/.test(objVerb.error.message));
    const badSig = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, verb: 'signal', args: { name: 'web', signal: 'SIGFOO' } }));
    assert.ok(!badSig.ok && /unknown signal/.test(badSig.error.message));
    const ok = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, id: 'a', verb: 'logs', args: { names: ['web'] } }));
    assert.ok(ok.ok);
    assert.deepEqual(ok.req.args, { names: ['web'], n: 100, follow: false });
    const both = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, id: 3, verb: 'status', args: { names: [], orphans: true } }));
    assert.ok(both.ok);
    assert.deepEqual(both.req.args, { names: [], orphans: true });
    const plain = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, id: 4, verb: 'status', args: { names: ['web'] } }));
    assert.ok(plain.ok);
    assert.deepEqual(plain.req.args, { names: ['web'], orphans: false });
    const badFlag = parseRequest(JSON.stringify({ v: PROTOCOL_VERSION, id: 5, verb: 'status', args: { orphans: 'yes' } }));
    assert.ok(!badFlag.ok && /'orphans' must be true or false/.test(badFlag.error.message));
  });

  test('a version mismatch names both versions and the remedy, on either side', () => {
    const r = parseRequest(JSON.stringify({ v: 2, id: 1, verb: 'status' }));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'PROTOCOL');
    assert.equal(r.error.message, 'client speaks protocol 2, supervisor 1: use the dinit binary of the running supervisor');
    assert.throws(() => parseServerMessage(JSON.stringify({ v: 3, id: 1, ok: true, result: null })), /client speaks protocol 1, supervisor 3: use the dinit binary of the running supervisor/);
  });

  test('errors travel with their code; a ConfigError keeps its issues', () => {
    assert.deepEqual(errorToWire(new DinitError('UNKNOWN_SERVICE', 'unknown service: x')), { code: 'UNKNOWN_SERVICE', message: 'unknown service: x' });
    const issues = [{ pos: { file: 'f', line: 1, col: 2 }, message: 'm' }];
    assert.deepEqual(errorToWire(new ConfigError(issues)).details, { issues });
    assert.equal(errorToWire(new Error('oops')).code, 'INTERNAL');
  });

  test('the socket places: --socket or $DINIT_SOCKET alone, else /run, $XDG_RUNTIME_DIR, /tmp/dinit-UID, /dev/shm/dinit-UID in order', () => {
    const paths = (explicit: string | undefined, env: NodeJS.ProcessEnv, uid: number): string[] => socketPlaces(explicit, env, uid).map((p) => p.path);
    assert.deepEqual(paths('/x.sock', { DINIT_SOCKET: '/y.sock' }, 0), ['/x.sock']);
    assert.deepEqual(paths(undefined, { DINIT_SOCKET: '/y.sock' }, 0), ['/y.sock']);
    assert.deepEqual(paths(undefined, {}, 0), ['/run/dinit.sock', '/tmp/dinit-0/dinit.sock', '/dev/shm/dinit-0/dinit.sock']);
    assert.deepEqual(paths(undefined, { XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), ['/run/dinit-1000/dinit.sock', '/run/user/1000/dinit.sock', '/tmp/dinit-1000/dinit.sock', '/dev/shm/dinit-1000/dinit.sock']);
  });
});

describe('CLI arguments', () => {
  test('dinit, dinit -c f, dinit -- cmd and dinit run supervise; other words are verbs or unknown', () => {
    assert.deepEqual(planCommand([]), { kind: 'verb', verb: 'run', argv: [] });
    assert.deepEqual(planCommand(['-c', 'f.yaml']), { kind: 'verb', verb: 'run', argv: ['-c', 'f.yaml'] });
    assert.deepEqual(planCommand(['--', 'status']), { kind: 'verb', verb: 'run', argv: ['--', 'status'] });
    assert.deepEqual(planCommand(['run', '-c', 'x']), { kind: 'verb', verb: 'run', argv: ['-c', 'x'] });
    assert.deepEqual(planCommand(['--socket', '/s', 'status', 'web']), { kind: 'verb', verb: 'status', argv: ['--socket', '/s', 'web'] });
    assert.deepEqual(planCommand(['myapp']), { kind: 'unknown', word: 'myapp' });
    assert.deepEqual(planCommand(['--version']), { kind: 'version' });
  });

  test('run takes everything from the command on as the command', () => {
    assert.deepEqual(parseRunArgs(['-c', 'f', '--', 'node', 'app.js', '--port', '1']), {
      help: false,
      configPath: 'f',
      mainCommand: ['node', 'app.js', '--port', '1'],
    });
    assert.deepEqual(parseRunArgs(['--socket=/s', 'node', '-h']), { help: false, socket: '/s', mainCommand: ['node', '-h'] });
    assert.deepEqual(parseRunArgs(['--']), { help: false });
    assert.throws(() => parseRunArgs(['--bogus']), /unknown option '--bogus'/);
    assert.throws(() => parseRunArgs(['-c']), /needs a value/);
  });

  test('durations: 500ms, 10s, 2m, 1m30s, or plain seconds', () => {
    assert.equal(parseDurationArg('500ms'), 500);
    assert.equal(parseDurationArg('10s'), 10_000);
    assert.equal(parseDurationArg('2m'), 120_000);
    assert.equal(parseDurationArg('1m30s'), 90_000);
    assert.equal(parseDurationArg('5'), 5000);
    assert.throws(() => parseDurationArg('10 sec'), /a duration looks like 500ms, 10s, 2m/);
    assert.throws(() => parseDurationArg(''), /invalid/);
  });

  test('signals: names with or without SIG, any case, or numbers', () => {
    assert.equal(parseSignalArg('SIGHUP'), 'SIGHUP');
    assert.equal(parseSignalArg('term'), 'SIGTERM');
    assert.equal(parseSignalArg('9'), 'SIGKILL');
    assert.throws(() => parseSignalArg('SIGWHAT'), /unknown signal/);
    assert.throws(() => parseSignalArg('999'), /unknown signal/);
  });

  test('did-you-mean finds typos and transpositions but not unrelated words', () => {
    const verbs = ['status', 'start', 'stop', 'restart', 'logs', 'health'];
    assert.equal(didYouMean('stauts', verbs), 'status');
    assert.equal(didYouMean('stpo', verbs), 'stop');
    assert.equal(didYouMean('helth', verbs), 'health');
    assert.equal(didYouMean('kubernetes', verbs), undefined);
  });

  test('uptimes read like 3m12s', () => {
    assert.equal(humanDuration(850), '0s');
    assert.equal(humanDuration(42_000), '42s');
    assert.equal(humanDuration(192_000), '3m12s');
    assert.equal(humanDuration(3_720_000), '1h2m');
    assert.equal(humanDuration(2 * 86_400_000 + 3 * 3_600_000), '2d3h');
  });

  test('the status table shows failed services in red with their reason, and dims stopped ones', () => {
    const now = 1_000_000;
    const rows = [
      svcStatus('web', { since: now - 192_000, pid: 7, restarts: 2 }),
      svcStatus('db', { state: 'stopped', failed: true, pid: null, ready: false, exitCode: 3, reason: 'restart limit reached (3 in 10s)' }),
      svcStatus('job', { state: 'stopped', pid: null, ready: false, exitSignal: 'SIGKILL', reason: 'stopped on request' }),
      svcStatus('boot', { state: 'starting', pid: 9, ready: false, statusText: 'waiting for tcp 5432' }),
    ];
    const plain = renderStatusTable(rows, now, paintWith(null)).split('\n');
    assert.match(plain[1] ?? '', /^web\s+started\s+7\s+3m12s\s+2\s+-\s+yes$/);
    assert.match(plain[2] ?? '', /^db\s+failed\s+-\s+-\s+0\s+3\s+no\s+restart limit reached \(3 in 10s\)$/);
    assert.match(plain[3] ?? '', /^job\s+stopped\s+-\s+-\s+0\s+SIGKILL\s+no\s+stopped on request$/);
    assert.match(plain[4] ?? '', /^boot\s+starting\s+9\s+-\s+0\s+-\s+no\s+waiting for tcp 5432$/);
    const coloured = renderStatusTable(rows, now, paintWith(new Chalk({ level: 1 })));
    assert.ok(coloured.includes('\x1b[31mfailed\x1b[39m'));
    assert.ok(coloured.includes('\x1b[2mstopped\x1b[22m'));
    assert.ok(coloured.includes('\x1b[33mstarting\x1b[39m'));
    // Alignment ignores colour codes: the PID column starts at the same visible offset.
    const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
    assert.deepEqual(coloured.split('\n').map(strip), plain);
  });

  test('with resource figures the table adds CPU and RSS, dashes where a service has no process', () => {
    const now = 1_000_000;
    const rows = [
      svcStatus('web', { since: now - 192_000, pid: 7, cpuPercent: 3.25, rssBytes: 52_428_800, cpuSeconds: 12.5 }),
      svcStatus('db', { state: 'stopped', pid: null, ready: false, cpuPercent: null, rssBytes: null, cpuSeconds: null }),
    ];
    const plain = renderStatusTable(rows, now, paintWith(null)).split('\n');
    assert.match(plain[0] ?? '', /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST-EXIT\s+READY\s+CPU\s+RSS\s+STATUS$/);
    assert.match(plain[1] ?? '', /^web\s+started\s+7\s+3m12s\s+0\s+-\s+yes\s+3\.3%\s+50MiB$/);
    assert.match(plain[2] ?? '', /^db\s+stopped\s+-\s+-\s+0\s+-\s+no\s+-\s+-$/);
  });

  test('sizes and percentages read like 1.6MiB and 3.3%', () => {
    assert.equal(humanBytes(512), '512B');
    assert.equal(humanBytes(1_720_320), '1.6MiB');
    assert.equal(humanBytes(52_428_800), '50MiB');
    assert.equal(humanBytes(3 * 2 ** 30), '3.0GiB');
    assert.equal(humanPercent(0), '0.0%');
    assert.equal(humanPercent(3.25), '3.3%');
    assert.equal(humanPercent(187.6), '188%');
  });
});

describe('verb arguments', () => {
  type Options = NonNullable<ParseArgsConfig['options']>;
  const status: Options = { socket: { type: 'string' }, json: { type: 'boolean' } };
  const logs: Options = { socket: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' } };
  const withDefault: Options = { socket: { type: 'string', default: '/d' } };
  const multiple: Options = { socket: { type: 'string', multiple: true }, json: { type: 'boolean' } };
  const argvs = [
    [],
    ['web'],
    ['web', 'db'],
    ['--json'],
    ['--json', 'web', '--json'],
    ['--socket', '/s'],
    ['--socket=/s', 'web'],
    ['--socket='],
    ['--socket', ''],
    ['--socket', '/a', '--socket', '/b'],
    ['--socket', '-'],
    ['--socket', '--json'],
    ['--socket'],
    ['--json=1'],
    ['--bogus'],
    ['--constructor'],
    ['--__proto__'],
    ['-f'],
    ['-n', '5', 'web'],
    ['--lines', '5', '--follow'],
    ['--', '--json'],
    ['-'],
    ['-1'],
    ['web', '--socket', '/s', 'db'],
  ];

  // What parseArgs itself says (as plain data), or 'error': parseVerbArgs must agree on every argv.
  const viaNode = (argv: string[], options: Options, allowPositionals: boolean): unknown => {
    try {
      const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
      return { values: { ...r.values }, positionals: r.positionals };
    } catch {
      return 'error';
    }
  };
  const viaDinit = (argv: string[], options: Options, allowPositionals: boolean): unknown => {
    try {
      const r = parseVerbArgs(argv, options, allowPositionals);
      return { values: { ...r.values }, positionals: r.positionals };
    } catch (err) {
      assert.ok(err instanceof DinitError && err.code === 'USAGE', String(err));
      return 'error';
    }
  };

  test('parseVerbArgs reads every argv exactly as parseArgs does, the common shapes without it included', () => {
    for (const options of [status, logs, withDefault, multiple]) {
      for (const allowPositionals of [true, false]) {
        for (const argv of argvs)
          assert.deepEqual(viaDinit(argv, options, allowPositionals), viaNode(argv, options, allowPositionals), `${JSON.stringify(argv)} with ${JSON.stringify(options)}, positionals ${allowPositionals}`);
      }
    }
  });

  test("parseArgs' errors keep their short form for shapes it alone reads", () => {
    assert.throws(() => parseVerbArgs(['--bogus'], status), /^DinitError: unknown option '--bogus'$/);
    assert.throws(() => parseVerbArgs(['web'], status, false), /^DinitError: unexpected argument 'web'$/);
  });
});
