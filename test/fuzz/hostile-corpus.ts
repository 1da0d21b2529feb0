// The hostile-input corpus: every file shape an attacker or an unlucky
// operator fed dinit in the adversary round (devices, FIFOs, huge files,
// expansion bombs), kept so each stays fixed. Each case builds its files in a
// scratch directory and names the config to check and the message the located
// refusal must carry; hostile.test.ts runs every case through the real
// `dinit check` (a subprocess with a deadline: a regression that blocks in
// open() or reads /dev/zero forever fails the test instead of hanging it).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HostileCase {
  name: string;
  /** Build the inputs in `dir`; returns the config path to check and extra environment. */
  build(dir: string): { config: string; env?: Record<string, string> };
  /** What the first located issue (or the read error) says. */
  expect: RegExp;
}

const fifo = (dir: string, name: string): string => {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};

const withEnvFile = (dir: string, envFile: string, where: 'top' | 'service' = 'top'): string => {
  const cfg = join(dir, 'dinit.yaml');
  writeFileSync(cfg, where === 'top' ? `env-file: ${envFile}\nservices:\n  a: { command: [sleep, "1"] }\n` : `services:\n  a:\n    command: [sleep, "1"]\n    env-file: ${envFile}\n`);
  return cfg;
};

const file = (dir: string, name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const doubling = (lines: number): string => ['A=x', ...Array.from({ length: lines }, () => 'A=${A}${A}')].join('\n') + '\n';

export const HOSTILE_CASES: HostileCase[] = [
  { name: 'env-file /dev/zero (an EOF that never comes)', build: (d) => ({ config: withEnvFile(d, '/dev/zero') }), expect: /env-file \/dev\/zero: it is a character device, not a regular file/ },
  { name: 'env-file /dev/urandom', build: (d) => ({ config: withEnvFile(d, '/dev/urandom', 'service') }), expect: /it is a character device, not a regular file/ },
  { name: 'env-file a FIFO with no writer (open() blocks for good)', build: (d) => ({ config: withEnvFile(d, fifo(d, 'env.fifo')) }), expect: /it is a FIFO \(named pipe\), not a regular file/ },
  { name: 'env-file a directory', build: (d) => ({ config: withEnvFile(d, d) }), expect: /it is a directory/ },
  { name: 'env-file of 2 MiB', build: (d) => ({ config: withEnvFile(d, file(d, 'big.env', `A=${'x'.repeat(2 * 1024 * 1024)}\n`)) }), expect: /larger than 1 MiB/ },
  { name: 'env-file of one 1 MiB line with no newline', build: (d) => ({ config: withEnvFile(d, file(d, 'line.env', Buffer.alloc(1024 * 1024 + 1, 'A'))) }), expect: /larger than 1 MiB/ },
  {
    name: 'env-file expansion bomb (A=${A}${A}, 40 lines)',
    build: (d) => ({ config: withEnvFile(d, file(d, 'bomb.env', doubling(40))) }),
    expect: /bomb\.env:19:3: A: the expanded value is longer than 128 KiB/,
  },
  {
    name: 'env-file expansion bomb through defaults (${A:-${A}${A}})',
    build: (d) => ({ config: withEnvFile(d, file(d, 'dflt.env', ['B=' + 'y'.repeat(70_000), 'A=${NOPE:-${B}${B}}'].join('\n'))) }),
    expect: /A: the expanded value is longer than 128 KiB/,
  },
  {
    name: "environment value that doubles a 100 KiB variable of dinit's environment",
    build: (d) => ({ config: file(d, 'dinit.yaml', 'environment:\n  X: "${BIG}${BIG}"\nservices:\n  a: { command: [sleep, "1"] }\n'), env: { BIG: 'z'.repeat(100 * 1024) } }),
    expect: /dinit\.yaml:2:\d+: .*longer than 128 KiB/,
  },
  { name: 'config file /dev/zero', build: () => ({ config: '/dev/zero' }), expect: /cannot read config file \/dev\/zero: it is a character device, not a regular file/ },
  { name: 'config file a FIFO with no writer', build: (d) => ({ config: fifo(d, 'dinit.yaml') }), expect: /cannot read config file .*dinit\.yaml: it is a FIFO/ },
  { name: 'config file of 17 MiB', build: (d) => ({ config: file(d, 'dinit.yaml', `# ${'c'.repeat(17 * 1024 * 1024)}\n`) }), expect: /larger than 16 MiB/ },
];
