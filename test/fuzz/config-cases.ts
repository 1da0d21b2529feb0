// Generators for the config fuzz suite: random YAML-ish text, structured
// configs built from the real key table (so most cases get past the parser
// and exercise the checks), and mutations of real example configs. Also the
// single oracle every case goes through: parseConfig must either return a
// config that satisfies the invariants, or throw a ConfigError whose every
// issue is located inside the file it names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { OPTIONS_SPEC, ROOT_SPEC, SERVICE_SPEC } from '../../src/config/keys.js';
import { ConfigError, DinitError } from '../../src/errors.js';
import type { Config } from '../../src/types.js';

export const ENV: NodeJS.ProcessEnv = { HOME: '/root', PATH: '/usr/bin:/bin', SECRET_PW: 'hunter2', EMPTY: '' };

const serviceKeys = Object.keys(SERVICE_SPEC.keys);
const optionKeys = Object.keys(OPTIONS_SPEC.keys);
const rootKeys = Object.keys(ROOT_SPEC.keys);
const allKeys = [...new Set([...serviceKeys, ...optionKeys, ...rootKeys, 'tcp', 'http', 'exec', 'log', 'notify', 'interval', 'timeout', 'retries', 'count', 'file', 'prefix', 'max-size', 'keep', 'buffer'])];

/** Scalars a user might plausibly write, valid or not, for any key. */
const scalar: fc.Arbitrary<string | number | boolean | null> = fc.oneof(
  fc.constantFrom(
    '10s',
    '500ms',
    '2m',
    '0',
    '-1',
    '1e9',
    'SIGTERM',
    'TERM',
    '15',
    'SIGFOO',
    'always',
    'never',
    'on-failure',
    'fd',
    'systemd',
    '3',
    '022',
    'root',
    '0:0',
    'nobody',
    '5432',
    'localhost:80',
    '[::1]:1',
    'http://127.0.0.1:1/',
    'ftp://x',
    '10MB',
    '1GiB',
    '(',
    '[a-',
    '${X}',
    '${SECRET_PW}',
    '${NOPE:?must be set}',
    '${',
    '$$',
    '${A:-${B:-c}}',
    'a b "c',
    "sh -c 'x; y'",
    'a | b',
    'true',
    'null',
    '~',
    '',
  ),
  fc.integer({ min: -5, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
);

const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...allKeys) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) });

/** Nested values: scalars, lists, maps with plausible keys. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(key, tie('v'), { maxKeys: 4 }) },
  ),
})).v;

const serviceName = fc.oneof(fc.constantFrom('db', 'web', 'cache', 'all', 'migrate', 'dinit', '-x', 'a b', 'main'), fc.string({ minLength: 1, maxLength: 6 }));

/** A service: mostly known keys with plausible values, dependencies on the other names. */
function service(names: string[]): fc.Arbitrary<Record<string, unknown>> {
  const dep = names.length > 0 ? fc.oneof(fc.constantFrom(...names), fc.constant('nope')) : fc.constant('nope');
  return fc
    .record(
      {
        command: fc.oneof(fc.constant(['sleep', '1000']), fc.constant('sleep 1000'), value),
        type: fc.oneof(fc.constantFrom('process', 'scripted', 'internal'), scalar),
        'depends-on': fc.oneof(fc.array(dep, { maxLength: 3 }), dep, value),
        'depends-ms': fc.array(dep, { maxLength: 2 }),
        'waits-for': fc.array(dep, { maxLength: 2 }),
        after: fc.array(dep, { maxLength: 2 }),
        before: fc.array(dep, { maxLength: 2 }),
        ready: fc.oneof(fc.record({ tcp: scalar, interval: scalar }, { requiredKeys: [] }), fc.record({ http: scalar, log: scalar, notify: scalar, exec: value }, { requiredKeys: [] }), value),
        health: fc.oneof(fc.record({ exec: value, retries: scalar, interval: scalar }, { requiredKeys: [] }), value),
        log: fc.oneof(fc.record({ file: scalar, 'max-size': scalar, keep: scalar, buffer: scalar, prefix: scalar }, { requiredKeys: [] }), value),
        environment: fc.oneof(fc.dictionary(fc.constantFrom('A', 'PW', 'B_1', '1X', 'a-b'), scalar, { maxKeys: 3 }), value),
        'restart-limit': fc.oneof(fc.record({ count: scalar, interval: scalar }, { requiredKeys: [] }), value),
        other: fc.tuple(key, value),
      },
      { requiredKeys: [] },
    )
    .map((rec) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rec)) {
        if (k === 'other') {
          const [ok, ov] = v as [string, unknown];
          out[ok] = ov;
        } else out[k] = v;
      }
      return out;
    });
}

/** A structured config as YAML text: services referring to each other, options, environment. */
export const structuredConfig: fc.Arbitrary<string> = fc
  .uniqueArray(serviceName, { minLength: 0, maxLength: 6 })
  .chain((names) =>
    fc.record(
      {
        services: fc.oneof({ weight: 6, arbitrary: fc.tuple(...names.map(() => service(names))).map((svcs) => Object.fromEntries(names.map((n, i) => [n, svcs[i]]))) }, { weight: 1, arbitrary: value }),
        options: fc.oneof(fc.dictionary(fc.constantFrom(...optionKeys, 'shutdown-timout'), scalar, { maxKeys: 3 }), value),
        environment: fc.dictionary(fc.constantFrom('TZ', 'PW', 'X'), scalar, { maxKeys: 2 }),
        extra: fc.dictionary(key, value, { maxKeys: 2 }),
      },
      { requiredKeys: ['services'] },
    ),
  )
  .map((rec) => {
    const { extra, ...rest } = rec as Record<string, unknown> & { extra?: Record<string, unknown> };
    return stringify({ ...rest, ...(extra ?? {}) });
  });

/** Text that looks like YAML: lines of keys, values, indentation and the punctuation YAML cares about. */
export const yamlishText: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom('', '  ', '    ', '      ', '\t', '- '),
      fc.oneof(key, fc.constantFrom('services', 'options', '<<', '&a', '*a', '? ', '---', '...', '%YAML 1.2', '!!binary', '!tag')),
      fc.constantFrom(':', ': ', ':  ', ' ', ''),
      fc.oneof(
        scalar.map((s) => (s === null ? '' : String(s))),
        fc.constantFrom('{', '}', '[', ']', '[a, b]', '{ a: 1 }', '|', '>', '"', "'", '&x', '*x', '<<: *x', '#c', '\\'),
      ),
    ),
    { maxLength: 25 },
  )
  .map((lines) => lines.map(([ind, k, sep, v]) => ind + k + sep + v).join('\n'));

/** Arbitrary text, unicode and control characters included. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
);

// ---- mutations of real files ------------------------------------------------

export type Mutation =
  | { op: 'delete-line' | 'duplicate-line'; at: number }
  | { op: 'swap-lines'; at: number; with: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert-bytes'; at: number; bytes: string }
  | { op: 'rename-key'; at: number; name: string }
  | { op: 'swap-value'; at: number; value: string }
  | { op: 'reindent'; at: number; delta: number };

const replacement = fc.oneof(
  scalar.map((s) => (s === null ? '' : typeof s === 'string' ? s : String(s))),
  fc.constantFrom('[]', '{}', '[a, b]', '{ x: 1 }', '- a', '"unclosed', "'x'", '*nope', '&a', '!!int x'),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete-line' as const, 'duplicate-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert-bytes' as const), at: fc.nat(), bytes: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.constantFrom('\n', ':', '- ', '\t', '\0', '#', '{', '"')) }),
  fc.record({ op: fc.constant('rename-key' as const), at: fc.nat(), name: key }),
  fc.record({ op: fc.constant('swap-value' as const), at: fc.nat(), value: replacement }),
  fc.record({ op: fc.constant('reindent' as const), at: fc.nat(), delta: fc.integer({ min: -4, max: 4 }) }),
);

export function mutate(text: string, muts: Mutation[]): string {
  let t = text;
  for (const m of muts) {
    const lines = t.split('\n');
    const i = lines.length === 0 ? 0 : m.at % lines.length;
    switch (m.op) {
      case 'delete-line':
        lines.splice(i, 1);
        break;
      case 'duplicate-line':
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 'swap-lines': {
        const j = m.with % lines.length;
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        break;
      }
      case 'truncate':
        return t.slice(0, m.at % (t.length + 1));
      case 'insert-bytes': {
        const at = m.at % (t.length + 1);
        t = t.slice(0, at) + m.bytes + t.slice(at);
        continue;
      }
      case 'rename-key':
        lines[i] = (lines[i] ?? '').replace(/^(\s*-?\s*)[^\s:#]+:/, (_, ind: string) => `${ind}${m.name}:`);
        break;
      case 'swap-value':
        lines[i] = (lines[i] ?? '').replace(/^(\s*[^\s:#]+:)\s.*$/, (_, k: string) => `${k} ${m.value}`);
        break;
      case 'reindent': {
        const l = lines[i] ?? '';
        lines[i] = m.delta >= 0 ? ' '.repeat(m.delta) + l : l.replace(new RegExp(`^ {0,${-m.delta}}`), '');
        break;
      }
      default: {
        const never: never = m;
        throw new Error(String(never));
      }
    }
    t = lines.join('\n');
  }
  return t;
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

// ---- the oracle --------------------------------------------------------------

/** Parse `text` as `file`; assert the outcome is a valid Config or a well-located ConfigError. */
export function checkOutcome(text: string, file: string, env: NodeJS.ProcessEnv = ENV): Config | ConfigError {
  let config: Config;
  try {
    config = parseConfig(text, file, env);
  } catch (err) {
    if (!(err instanceof DinitError)) {
      throw new Error(`parseConfig threw a non-dinit error: ${err instanceof Error ? err.stack : String(err)}\n--- input ---\n${text}`, { cause: err });
    }
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err.code}: ${err.message}`);
    assert.ok(err.issues.length > 0, 'a ConfigError with no issues');
    const lineCount = text.split(/\r\n|\r|\n/).length;
    for (const issue of err.issues) {
      const { line, col } = issue.pos;
      const where = `${issue.pos.file}:${line}:${col} ${issue.message}`;
      assert.ok(Number.isInteger(line) && line >= 1, `issue without a line: ${where}`);
      assert.ok(Number.isInteger(col) && col >= 1, `issue without a column: ${where}`);
      if (issue.pos.file === file) assert.ok(line <= lineCount + 1, `issue past the end (${lineCount} lines): ${where}`);
      assert.equal(typeof issue.message, 'string');
    }
    return err;
  }
  checkInvariants(config);
  return config;
}

function checkInvariants(config: Config): void {
  const names = config.services.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'service names are unique');
  const known = new Set(names);
  for (const s of config.services) {
    for (const d of [...s.dependsOn, ...s.dependsMs, ...s.waitsFor, ...s.after, ...s.before]) {
      assert.ok(known.has(d), `${s.name} refers to unknown service ${d}`);
      assert.notEqual(d, s.name, `${s.name} refers to itself`);
    }
    if (s.type !== 'internal') assert.ok(s.command.length > 0 && s.command[0] !== '', `${s.name} has a command`);
    assert.ok(s.stopTimeout >= 0 && s.restartDelay >= 0 && s.startTimeout >= 0, `${s.name}: durations are not negative`);
  }
  assert.ok(config.services.filter((s) => s.main).length <= 1, 'at most one main');
  // Acyclic over every ordering edge (before is already linked into after): Kahn's algorithm, no recursion.
  const waitingOn = new Map(config.services.map((s) => [s.name, new Set([...s.dependsOn, ...s.dependsMs, ...s.waitsFor, ...s.after])]));
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const [n, deps] of waitingOn) for (const d of deps) dependents.get(d)?.push(n);
  const ready = names.filter((n) => waitingOn.get(n)?.size === 0);
  let done = 0;
  while (ready.length > 0) {
    const n = ready.pop()!;
    done++;
    for (const m of dependents.get(n) ?? []) {
      const w = waitingOn.get(m)!;
      w.delete(n);
      if (w.size === 0) ready.push(m);
    }
  }
  assert.equal(done, names.length, `a dependency cycle was accepted among: ${names.filter((n) => (waitingOn.get(n)?.size ?? 0) > 0).join(', ')}`);
}
