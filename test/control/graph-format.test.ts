// Config → dot / mermaid.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatGraph, graphEdges } from '../../src/cli/graph-format.js';
import { sampleConfig, svcConfig } from './fake-target.js';

describe('graph rendering', () => {
  test('every dependency kind becomes an edge from the dependent to what it needs', () => {
    assert.deepEqual(graphEdges(sampleConfig()), [
      { from: 'migrate', to: 'db', kind: 'depends-on' },
      { from: 'web', to: 'db', kind: 'depends-on' },
      { from: 'web', to: 'migrate', kind: 'depends-ms' },
      { from: 'web', to: 'cache', kind: 'waits-for' },
      { from: 'web', to: 'cache', kind: 'after' },
      { from: 'all', to: 'web', kind: 'depends-on' },
    ]);
  });

  test('before: [x] on a draws the same edge as after: [a] on x, once', () => {
    const cfg = { ...sampleConfig(), services: [svcConfig('a', { before: ['x'] }), svcConfig('x', { after: ['a'] })] };
    assert.deepEqual(graphEdges(cfg), [{ from: 'x', to: 'a', kind: 'after' }]);
  });

  test('dot output styles edges per kind and nodes per type', () => {
    const dot = formatGraph(sampleConfig(), 'dot');
    assert.equal(
      dot,
      [
        'digraph dinit {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  "db";',
        '  "migrate" [style=rounded];',
        '  "cache";',
        '  "web";',
        '  "all" [style=dashed];',
        '  "migrate" -> "db";',
        '  "web" -> "db";',
        '  "web" -> "migrate" [style=bold, label="milestone"];',
        '  "web" -> "cache" [style=dashed, label="waits-for"];',
        '  "web" -> "cache" [style=dotted, label="after"];',
        '  "all" -> "web";',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('mermaid output uses safe ids, labelled edges and dotted ordering links', () => {
    const cfg = sampleConfig();
    cfg.services[0] = svcConfig('db.primary"x', {});
    cfg.services[1] = svcConfig('migrate', { type: 'scripted', dependsOn: ['db.primary"x'] });
    cfg.services[3] = svcConfig('web', { dependsOn: ['db.primary"x'], dependsMs: ['migrate'], waitsFor: ['cache'], after: ['cache'] });
    const mm = formatGraph(cfg, 'mermaid').split('\n');
    assert.equal(mm[0], 'flowchart LR');
    assert.ok(mm.includes('  s0["db.primary#quot;x"]'));
    assert.ok(mm.includes('  s1("migrate")'));
    assert.ok(mm.includes('  s4{{"all"}}'));
    assert.ok(mm.includes('  s3 --> s0'));
    assert.ok(mm.includes('  s3 ==>|milestone| s1'));
    assert.ok(mm.includes('  s3 -.->|waits-for| s2'));
    assert.ok(mm.includes('  s3 -.->|after| s2'));
    assert.ok(mm.includes('  linkStyle 4 stroke-dasharray: 2 4'));
  });
});
