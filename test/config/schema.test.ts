import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchema } from '../../src/config/index.js';
import { ROOT_SPEC, SERVICE_SPEC } from '../../src/config/keys.js';
import type { ObjectSpec } from '../../src/config/keys.js';
import { repoRoot } from '../helpers/paths.js';

type Node = { description?: unknown; properties?: Record<string, Node>; definitions?: Record<string, Node> };

test('the committed schema/dinit.schema.json equals the generated schema (run write-schema.js after changing keys.ts)', () => {
  const committed: unknown = JSON.parse(readFileSync(join(repoRoot, 'schema', 'dinit.schema.json'), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(jsonSchema())));
});

test('every key of the schema has a description editors can show', () => {
  const missing: string[] = [];
  const walk = (node: Node, path: string): void => {
    if (typeof node.description !== 'string' || node.description.length < 10) missing.push(path || '(root)');
    for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`);
  };
  const schema = jsonSchema() as Node;
  walk(schema, '');
  walk(schema.definitions?.['service'] ?? {}, 'service');
  assert.deepEqual(missing, []);
});

test('the schema has a property for every key the validator knows, with its default', () => {
  const schema = jsonSchema() as Node & { definitions: { service: Node } };
  const compare = (spec: ObjectSpec, node: Node, path: string): void => {
    assert.deepEqual(Object.keys(node.properties ?? {}), Object.keys(spec.keys), path);
    for (const [k, sub] of Object.entries(spec.keys)) {
      const prop = node.properties?.[k] as Node & { default?: unknown };
      // An object with a shorthand is anyOf [the shorthand's scalar, the object].
      const obj = sub.kind === 'object' && sub.shorthand ? ((prop as { anyOf?: Node[] }).anyOf?.[1] as Node) : prop;
      if (sub.kind === 'object') compare(sub, obj, `${path}.${k}`);
      else if (sub.default !== undefined) assert.equal(prop.default, sub.default, `${path}.${k}`);
    }
  };
  compare(ROOT_SPEC, schema, '');
  compare(SERVICE_SPEC, schema.definitions.service, 'service');
  assert.equal((schema.definitions.service.properties?.['stop-timeout'] as { default?: unknown }).default, '3s');
});
