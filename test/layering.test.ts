// The import rules of DESIGN.md, checked on src/ as written (static imports,
// re-exports and import() alike):
//   - core/ imports only the shared vocabulary (types, errors, units) and itself;
//   - only os/ imports node:child_process or koffi, or calls process.kill;
//   - log/ never imports control/ (it does not know the protocol);
//   - cli/ never imports core/, os/ or log/ directly;
//   - runtime/ reaches the OS through the injected ProcessHost: besides run.ts
//     (the composition root) it imports only types from os/, and the two
//     helpers that are no OS access of their own (errno names, the notify socket);
//   - nothing imports upward: shared files < core, os < config, log, control
//     < runtime, import < cli < bin.
// Each rule is also checked against a planted violation, so a rule that can
// no longer fail is noticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { repoRoot } from './helpers/paths.js';

const src = join(repoRoot, 'src');

interface Import {
  /** The importing file, relative to src/ (posix). */
  from: string;
  /** A bare specifier (node:fs, koffi) or a path relative to src/ (core/graph.ts). */
  to: string;
  /** A package or node: builtin, not a file of src/. */
  bare: boolean;
  typeOnly: boolean;
  line: number;
}

/** Top-level areas and their floor; a file may import its own area or lower ones. Files directly in src/ are the shared vocabulary (0). */
const RANK: Record<string, number> = { core: 1, os: 1, config: 2, log: 2, control: 2, runtime: 3, import: 3, cli: 4, bin: 5 };
const SHARED_FOR_CORE = new Set(['types.ts', 'errors.ts', 'units.ts']);

/** What runtime/ may take from os/ besides types (run.ts, the composition root, may take anything). */
const RUNTIME_OS_VALUES = new Set(['os/errno.ts', 'os/notify-socket.ts']);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const IMPORT_RE = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  for (const m of code.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4] ?? '';
    const line = code.slice(0, m.index).split('\n').length;
    const to = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts') : spec;
    out.push({ from: file, to, bare: !spec.startsWith('.'), typeOnly: m[2] !== undefined, line });
  }
  return out;
}

const area = (path: string): string => (path.includes('/') ? (path.split('/')[0] as string) : '');
const rank = (path: string): number => RANK[area(path)] ?? 0;

/** Every broken rule, one sentence each. */
export function violations(files: { path: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { path, text } of files) {
    const here = area(path);
    for (const i of importsOf(path, text)) {
      const at = `src/${path}:${i.line}`;
      const relativeImport = !i.bare;
      if (here === 'core' && (relativeImport ? area(i.to) !== 'core' && !SHARED_FOR_CORE.has(i.to) : true)) {
        bad.push(`${at}: core/ imports ${i.to} (only types, errors, units and core/ itself)`);
      }
      if ((i.to === 'node:child_process' || i.to === 'child_process' || i.to === 'koffi') && here !== 'os') {
        bad.push(`${at}: ${i.to} outside os/`);
      }
      if (!relativeImport) continue;
      if (here === 'runtime' && path !== 'runtime/run.ts' && area(i.to) === 'os' && !i.typeOnly && !RUNTIME_OS_VALUES.has(i.to)) {
        bad.push(`${at}: runtime/ imports ${i.to} (the OS comes through the injected ProcessHost; only run.ts wires it)`);
      }
      if (here === 'log' && area(i.to) === 'control') bad.push(`${at}: log/ imports control/ (${i.to})`);
      if (here === 'cli' && ['core', 'os', 'log'].includes(area(i.to))) bad.push(`${at}: cli/ imports ${i.to} directly`);
      if (rank(i.to) > rank(path)) bad.push(`${at}: imports upward: ${here || 'a shared file'} → ${i.to}`);
    }
    if (here !== 'os') {
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
      if (/\bprocess\.kill\s*\(/.test(code)) bad.push(`src/${path}: calls process.kill outside os/`);
    }
  }
  return bad;
}

function sources(): { path: string; text: string }[] {
  return walk(src).map((f) => ({ path: relative(src, f).split('\\').join('/'), text: readFileSync(f, 'utf8') }));
}

test('src/ keeps the import rules of DESIGN.md', () => {
  assert.deepEqual(violations(sources()), []);
});

test('every rule catches a planted violation', () => {
  const planted = [
    { path: 'core/x.ts', text: "import { LogHub } from '../log/log-hub.js';" },
    { path: 'core/y.ts', text: "import { readFileSync } from 'node:fs';" },
    { path: 'runtime/x.ts', text: "import { spawn } from 'node:child_process';" },
    { path: 'config/x.ts', text: "const k = await import('koffi');" },
    { path: 'runtime/y.ts', text: 'process.kill(1, "SIGTERM");' },
    { path: 'runtime/z.ts', text: "import { killGroup } from '../os/kill.js';" },
    { path: 'log/x.ts', text: "import type { Request } from '../control/protocol.js';" },
    { path: 'cli/x.ts', text: "export { ServiceSet } from '../core/service-set.js';" },
    { path: 'os/x.ts', text: "import { run } from '../runtime/run.js';" },
    { path: 'types.ts', text: "import type { Graph } from './core/graph.js';" },
  ];
  const found = violations(planted);
  for (const p of planted)
    assert.ok(
      found.some((v) => v.startsWith(`src/${p.path}`)),
      `${p.path}: not caught (${p.text})\n${found.join('\n')}`,
    );
  // A comment is not an import, and the shared vocabulary is open to core/.
  assert.deepEqual(violations([{ path: 'core/z.ts', text: "// import x from 'node:fs';\nimport type { StopReason } from '../types.js';\nimport { formatDuration } from '../units.js';" }]), []);
  // The port's types are open to runtime/, and run.ts wires the real host.
  assert.deepEqual(
    violations([
      { path: 'runtime/w.ts', text: "import type { ProcessHost } from '../os/ports.js';" },
      { path: 'runtime/run.ts', text: "import { createProcessHost } from '../os/host.js';" },
    ]),
    [],
  );
});
