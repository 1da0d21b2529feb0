import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DinitError } from '../../src/errors.js';
import { httpWarnings, parseConfig, readTokenFile } from '../../src/config/index.js';

const FILE = '/x/dinit.yaml';
const http = (value: string) => parseConfig(`options:\n  http: ${value}\nservices: {}\n`, FILE, {}).options.http;

function issues(text: string): string[] {
  try {
    parseConfig(text, FILE, {});
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.issues.map((i) => `${i.pos.line}:${i.pos.col} ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  return assert.fail('accepted');
}

test('options.http is off unless given', () => {
  assert.equal(parseConfig('services: {}\n', FILE, {}).options.http, undefined);
});

test('options.http as a string is the listen address: host:port, :port for every interface, [v6]:port, or a port', () => {
  assert.deepEqual(http('"127.0.0.1:9180"'), { host: '127.0.0.1', port: 9180, control: false });
  assert.deepEqual(http('":9180"'), { host: '', port: 9180, control: false });
  assert.deepEqual(http('"[::1]:9180"'), { host: '::1', port: 9180, control: false });
  assert.deepEqual(http('9180'), { host: '', port: 9180, control: false });
});

test('options.http as a map takes listen, control and token-file (resolved next to the config)', () => {
  assert.deepEqual(http('{ listen: "0.0.0.0:80", control: true, token-file: secrets/token }'), {
    host: '0.0.0.0',
    port: 80,
    control: true,
    tokenFile: '/x/secrets/token',
  });
});

test('a bad options.http is reported where it is written, with what to write', () => {
  const hint = 'write "127.0.0.1:9180" (this container only), ":9180" (every interface) or "[::1]:9180"';
  assert.deepEqual(issues('options:\n  http: "localhost"\nservices: {}\n'), [`2:9 options.http.listen: "localhost" is not a valid listen address (${hint})`]);
  assert.deepEqual(issues('options:\n  http: ":99999"\nservices: {}\n'), [`2:9 options.http.listen: ":99999" is not a valid listen address (${hint})`]);
  assert.deepEqual(issues('options:\n  http: { control: true }\nservices: {}\n'), ["2:9 options.http: missing required key 'listen' (add listen:)"]);
  assert.deepEqual(issues('options:\n  http: { listen: ":1", tokenfile: t }\nservices: {}\n'), ["2:25 unknown key 'tokenfile' in options.http (did you mean 'token-file'?)"]);
});

test('dinit check warns about an endpoint open beyond loopback without a token, and about control without one', () => {
  const cfg = (value: string) => parseConfig(`options:\n  http: ${value}\nservices: {}\n`, FILE, {});
  assert.deepEqual(httpWarnings(cfg('"127.0.0.1:9180"')), []);
  assert.deepEqual(httpWarnings(cfg('"[::1]:9180"')), []);
  const open = httpWarnings(cfg('":9180"'));
  assert.equal(open.length, 1);
  assert.match(open[0]!, /listens on every interface \(port 9180\) with no token-file/);
  assert.deepEqual(httpWarnings(cfg('{ listen: ":9180", control: true, token-file: t }')), []);
  assert.deepEqual(httpWarnings(cfg('{ listen: "127.0.0.1:9180", control: true }')), ['options.http.control: true does nothing without options.http.token-file: every POST gets 403.']);
});

test('the token is the first line of a regular file; a FIFO, a short token or a missing file is refused without blocking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-token-'));
  try {
    const good = join(dir, 'token');
    writeFileSync(good, 'abcdefghijklmnopqrstuvwx\n');
    assert.equal(readTokenFile(good), 'abcdefghijklmnopqrstuvwx');
    writeFileSync(join(dir, 'short'), 'abc\n');
    assert.throws(() => readTokenFile(join(dir, 'short')), /at least 16 characters/);
    writeFileSync(join(dir, 'big'), 'x'.repeat(5000));
    assert.throws(() => readTokenFile(join(dir, 'big')), /larger than 4 KiB/);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    // With no writer, a blocking open of a FIFO would hang here forever.
    assert.throws(() => readTokenFile(join(dir, 'fifo')), /it is a FIFO \(named pipe\), not a regular file/);
    assert.throws(
      () => readTokenFile(join(dir, 'absent')),
      (e: unknown) => e instanceof DinitError && e.code === 'CONFIG_READ' && /^cannot read options\.http\.token-file .*absent: no such file \(it should hold one line: the bearer token\)$/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
