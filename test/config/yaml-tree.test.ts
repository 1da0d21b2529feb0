// The positioned YAML tree dinit.yaml is read into (src/config/yaml-tree.ts):
// what each node is, where it starts, how plain scalars are typed, and, over
// every YAML file in the repository, the same plain values as the `yaml`
// package (which `dinit import` writes with) reads from it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getIn, isAlias, isMap, isScalar, isSeq, MAX_EXPANDED_NODES, MERGE, parseYamlTree, toJS, type YNode } from '../../src/config/yaml-tree.js';
import { repoRoot } from '../helpers/paths.js';

const contents = (text: string): YNode => {
  const t = parseYamlTree(text);
  assert.deepEqual(t.problems, []);
  assert.ok(t.contents);
  return t.contents;
};
const at = (text: string, path: (string | number)[]): YNode => {
  const n = getIn(contents(text), path);
  assert.ok(n, `nothing at ${path.join('.')}`);
  return n;
};
const written = (text: string, path: (string | number)[]): string => {
  const n = at(text, path);
  return text.slice(n.range[0], n.range[1]);
};

test('plain scalars are typed by the YAML 1.2 core schema; quoted and block ones are strings', () => {
  const text = 'a: ~\nb:\nc: true\nd: yes\ne: 022\nf: 0o17\ng: 0x1F\nh: 1e3\ni: .inf\nj: "022"\nk: \'true\'\nl: |\n  two\n  lines\nm: >-\n  folded\n  text\nn: 1.50\no: null\n';
  assert.deepEqual(toJS(contents(text)), {
    a: null,
    b: null,
    c: true,
    d: 'yes',
    e: 22,
    f: 15,
    g: 31,
    h: 1000,
    i: Infinity,
    j: '022',
    k: 'true',
    l: 'two\nlines\n',
    m: 'folded text',
    n: 1.5,
    o: null,
  });
});

test('each node starts where it is written: a quoted scalar at its quote, a block scalar at its | or >', () => {
  const text = 'svc:\n  cmd: [run, "x y"]\n  text: |  # a comment | with bars\n    body\n  map: {k: v}\n  list:\n    - one\n  num: 022\n';
  assert.equal(written(text, ['svc', 'cmd']).slice(0, 1), '[');
  assert.equal(written(text, ['svc', 'cmd', 1]), '"x y"');
  assert.equal(text[at(text, ['svc', 'text']).range[0]], '|');
  assert.equal(written(text, ['svc', 'map']).slice(0, 1), '{');
  assert.equal(text.slice(at(text, ['svc', 'list']).range[0]).slice(0, 5), '- one');
  assert.equal(written(text, ['svc', 'num']), '022');
});

test('a plain << key is a merge key; aliases point at the anchored node', () => {
  const text = 'base: &b {x: 1}\nsvc:\n  <<: *b\n  y: 2\n';
  const root = contents(text);
  const svc = getIn(root, ['svc']);
  assert.ok(isMap(svc));
  const merge = svc.items[0];
  assert.ok(merge && isScalar(merge.key) && merge.key.value === MERGE);
  assert.ok(isAlias(merge.value) && merge.value.target === getIn(root, ['base']));
  assert.deepEqual(toJS(root), { base: { x: 1 }, svc: { x: 1, y: 2 } });
  assert.deepEqual(toJS(contents('"<<": 1\n')), { '<<': 1 }, 'a quoted << is an ordinary key');
  assert.deepEqual(toJS(contents('a: <<\nb: [<<]\n')), { a: '<<', b: ['<<'] }, 'a << value is a string');
});

test('an alias to no anchor, or to the node it sits in, has no target', () => {
  const root = contents('a: *nope\n');
  const unknown = isMap(root) ? root.items[0]?.value : undefined;
  assert.ok(isAlias(unknown) && unknown.target === undefined && unknown.source === 'nope');
  assert.equal(getIn(root, ['a']), undefined);
  const self = contents('a: &x [1, *x]\n');
  const list = getIn(self, ['a']);
  assert.ok(isSeq(list));
  assert.ok(isAlias(list.items[1]) && list.items[1].target === undefined);
});

test('duplicate keys are kept (check.ts reports them); toJS keeps the last', () => {
  const map = contents('a: 1\na: 2\n');
  assert.ok(isMap(map) && map.items.length === 2);
  assert.deepEqual(toJS(map), { a: 2 });
});

test('tags: core tags apply, any other is a problem at the tag', () => {
  assert.deepEqual(toJS(contents('a: !!str 5\nb: !!int "7"\n')), { a: '5', b: 7 });
  const t = parseYamlTree('a: !Ref x\n');
  assert.deepEqual(
    t.problems.map((p) => [p.offset, p.message]),
    [[3, 'YAML tag !Ref is not supported']],
  );
  assert.deepEqual(
    parseYamlTree('a: !!int x\n').problems.map((p) => [p.offset, p.message]),
    [[3, 'YAML tag !!int does not fit "x"']],
  );
});

test('syntax errors are problems at an offset, never exceptions; empty files have no contents', () => {
  const t = parseYamlTree('a: [1,\nb: 2\n');
  assert.equal(t.contents, null);
  const [first, ...more] = t.problems;
  assert.ok(first);
  assert.equal(more.length, 0);
  assert.equal(first.offset, 7);
  assert.match(first.message, /^YAML syntax error: .* is a quote, \[ or \{ above it left open\?/);
  assert.deepEqual(parseYamlTree(''), { contents: null, problems: [] });
  assert.deepEqual(parseYamlTree('# only a comment\n'), { contents: null, problems: [] });
  assert.equal(parseYamlTree('a: 1\n---\nb: 2\n').problems[0]?.message, 'the file holds more than one YAML document');
});

test('aliases may not expand the document past MAX_EXPANDED_NODES: nine levels of eight merges are refused at once', () => {
  const lines = ['x-0: &x0 {command: run, a: 1}'];
  for (let i = 1; i <= 9; i++) lines.push(`x-${i}: &x${i} {<<: [${Array.from({ length: 8 }, () => `*x${i - 1}`).join(', ')}]}`);
  lines.push('services:', '  svc:', '    <<: *x9');
  const text = lines.join('\n') + '\n';
  const [first, ...more] = parseYamlTree(text).problems;
  assert.ok(first);
  assert.equal(more.length, 0);
  assert.match(first.message, new RegExp(`more than ${MAX_EXPANDED_NODES} nodes`));
  const line = text.slice(0, first.offset).split('\n').length;
  assert.equal(lines[line - 1]?.slice(0, 4), 'x-6:', 'at an alias in the map that went past the bound (~164,000 nodes per *x5)');
  // The same shape one level deep is an ordinary config.
  assert.deepEqual(parseYamlTree('x-0: &x0 {a: 1}\nx-1: {<<: [*x0, *x0]}\n').problems, []);
});

test('every YAML file of the repository reads to the same values as with the yaml package', () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name)) files.push(p);
    }
  };
  walk(repoRoot);
  assert.ok(files.length >= 20, `found only ${files.length} YAML files`);
  let compared = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    let expected: unknown;
    try {
      expected = parse(text, { merge: true, uniqueKeys: false });
    } catch {
      continue; // a fixture that is broken on purpose
    }
    const t = parseYamlTree(text);
    if (t.problems.length > 0) assert.fail(`${f}: ${t.problems[0]?.message}`);
    assert.deepEqual(toJS(t.contents), expected ?? null, f);
    compared++;
  }
  assert.ok(compared >= 20, `compared only ${compared}`);
});
