// The JSON Schema of dinit.yaml, generated from the key table (keys.ts) that
// the validator walks — one source of truth. It is written to
// schema/dinit.schema.json (src/config/write-schema.ts) for editors and
// printed by `dinit schema`. It is a little looser than `dinit check` where
// JSON Schema cannot say more (a regex compiles, a dependency exists), and
// accepts any string containing `${` where a number or boolean is expected,
// since expansion happens before conversion.

import { EXPECT } from './keys.js';
import type { ObjectSpec, Spec } from './keys.js';
import { ROOT_SPEC, SERVICE_NAME } from './keys.js';

type Json = Record<string, unknown>;

const EXPANDABLE: Json = { type: 'string', pattern: '\\$\\{' };
const DURATION = '^(\\d+(\\.\\d+)?|(\\d+(\\.\\d+)?(ms|s|m|h))+)$';
const SIZE = '^\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG]([iI]?[bB])?)?$';
/** Linux signal names: the schema must not depend on the machine generating it. */
const SIGNALS = 'HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM CHLD STKFLT CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS'.split(' ');
const USER = '^([A-Za-z_][A-Za-z0-9._-]*\\$?|\\d+)(:([A-Za-z_][A-Za-z0-9._-]*|\\d+))?$';
const TCP = '^(\\d{1,5}|(\\[[^\\]]+\\]|[^:]+):\\d{1,5})$';
const listOrOne = (item: Json): Json => ({ anyOf: [item, { type: 'array', items: item }] });

function kindSchema(spec: Exclude<Spec, ObjectSpec>): Json {
  switch (spec.kind) {
    case 'string':
      return { type: ['string', 'number'] };
    case 'path':
      return { type: 'string', minLength: 1 };
    case 'bool':
      return { anyOf: [{ type: 'boolean' }, EXPANDABLE] };
    case 'int':
      return { anyOf: [{ type: 'integer', minimum: spec.min, ...(spec.max !== undefined ? { maximum: spec.max } : {}) }, EXPANDABLE] };
    case 'duration':
      return { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: DURATION }, EXPANDABLE] };
    case 'size':
      return { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: SIZE }, EXPANDABLE] };
    case 'signal':
      return { anyOf: [{ enum: SIGNALS.flatMap((s) => [`SIG${s}`, s]) }, { type: 'integer', minimum: 1, maximum: 64 }, EXPANDABLE] };
    case 'enum':
      return { enum: spec.booleans ? [...spec.values, true, false] : [...spec.values] };
    case 'command':
      return {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
        ],
      };
    case 'names':
      return { ...listOrOne({ type: 'string', pattern: SERVICE_NAME.source }), default: [] };
    case 'paths':
      return listOrOne({ type: 'string', minLength: 1 });
    case 'env':
      return { type: ['object', 'null'], propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }, additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } };
    case 'user':
      return {
        anyOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', pattern: USER },
        ],
      };
    case 'umask':
      return {
        anyOf: [
          { type: 'string', pattern: '^(0o)?[0-7]{1,4}$' },
          { type: 'integer', minimum: 0 },
        ],
      };
    case 'regex':
      return { type: 'string', format: 'regex' };
    case 'tcp':
      return {
        anyOf: [
          { type: 'integer', minimum: 1, maximum: 65535 },
          { type: 'string', pattern: TCP },
        ],
      };
    case 'url':
      return { type: 'string', pattern: '^https?://' };
    case 'notify':
      return { anyOf: [{ enum: ['fd', 'systemd'] }, { type: 'integer', minimum: 3 }] };
    case 'listen':
      return { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^(\\[[^\\]]+\\]|[^:\\[\\]]*):\\d{1,5}$|^\\d{1,5}$' }, EXPANDABLE] };
    case 'cron':
      return { type: 'string', pattern: '^(@(yearly|annually|monthly|weekly|daily|hourly)|\\S+(\\s+\\S+){4,5})$' };
    case 'timezone':
      return { type: 'string', minLength: 1 };
    case 'exit-codes': {
      const code = { type: 'integer', minimum: 0, maximum: 255 };
      return { anyOf: [code, { type: 'array', minItems: 1, items: code }] };
    }
    case 'services':
      return {
        type: ['object', 'null'],
        propertyNames: { pattern: SERVICE_NAME.source },
        additionalProperties: { anyOf: [{ $ref: '#/definitions/service' }, { type: 'null' }] },
      };
    default: {
      const never: never = spec;
      return never;
    }
  }
}

function describe(spec: Spec): string {
  const expect = spec.kind === 'object' || spec.kind === 'services' || spec.kind === 'enum' ? '' : ` Accepts ${EXPECT[spec.kind]}.`;
  return spec.description + expect + (spec.default !== undefined ? ` Default: ${String(spec.default)}.` : '');
}

function objectSchema(spec: ObjectSpec): Json {
  const properties: Json = {};
  for (const [key, sub] of Object.entries(spec.keys)) properties[key] = specSchema(sub);
  return {
    type: 'object',
    description: describe(spec),
    properties,
    ...(spec.extensions ? { patternProperties: { '^x-': { description: 'Extension key, ignored (a place for YAML anchors).' } } } : {}),
    additionalProperties: false,
    ...(spec.required ? { required: [...spec.required] } : {}),
    ...(spec.exactlyOne ? { oneOf: spec.exactlyOne.map((k) => ({ required: [k] })) } : {}),
  };
}

function specSchema(spec: Spec): Json {
  const short = spec.kind === 'object' && spec.shorthand ? spec.keys[spec.shorthand] : undefined;
  if (spec.kind === 'object' && short) return { description: describe(spec), anyOf: [specSchema(short), objectSchema(spec)] };
  if (spec.kind === 'object') return objectSchema(spec);
  return { description: describe(spec), ...kindSchema(spec), ...(spec.default !== undefined ? { default: spec.default } : {}) };
}

export function jsonSchema(): object {
  const services = ROOT_SPEC.keys['services'];
  const service = services?.kind === 'services' ? services.service : undefined;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'dinit.yaml',
    ...objectSchema(ROOT_SPEC),
    definitions: { service: service ? objectSchema(service) : {} },
  };
}
