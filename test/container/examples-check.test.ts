// Every dinit.yaml we ship as an example (examples/*, the container suite's
// test images, the repo's demo) passes `dinit check` with no warning, each
// example directory is complete, and the Kubernetes and compose files agree
// with dinit's shutdown budget. Plain files and the real CLI: no engine needed,
// so this runs in `npm test`.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const examples = join(repoRoot, 'examples');
const exampleDirs = readdirSync(examples, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'demo')
  .map((d) => d.name);
const imagesDir = join(repoRoot, 'test', 'container', 'images');
const configs = [join(repoRoot, 'dinit.yaml'), ...exampleDirs.map((d) => join(examples, d, 'dinit.yaml')), ...readdirSync(imagesDir).map((d) => join(imagesDir, d, 'dinit.yaml'))];

async function check(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'dinit.cjs'), 'check', '-c', file], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Seconds in a dinit or Kubernetes duration ("20s", "2m", 30). */
function seconds(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(v));
  assert.ok(m, `duration ${String(v)}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

describe('shipped examples', () => {
  it('has at least four example images plus kubernetes/', () => {
    assert.ok(exampleDirs.filter((d) => existsSync(join(examples, d, 'Dockerfile'))).length >= 4, exampleDirs.join(', '));
    assert.ok(exampleDirs.includes('kubernetes'));
  });

  for (const dir of exampleDirs) {
    it(`examples/${dir} has a dinit.yaml, a README.md${dir === 'kubernetes' ? ' and a pod.yaml' : ' and a Dockerfile'}`, () => {
      for (const f of ['dinit.yaml', 'README.md', dir === 'kubernetes' ? 'pod.yaml' : 'Dockerfile']) {
        assert.ok(existsSync(join(examples, dir, f)), `examples/${dir}/${f}`);
      }
    });
  }

  for (const file of configs) {
    it(`${file.slice(repoRoot.length + 1)} passes dinit check without warnings`, async () => {
      const r = await check(file);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ok: \d+ services?/);
      assert.equal(r.stderr, '', r.stderr);
    });
  }

  it("the Pod's terminationGracePeriodSeconds covers dinit's shutdown-timeout, and its probes are httpGets of dinit's /readyz and /livez", () => {
    const pod = parse(readFileSync(join(examples, 'kubernetes', 'pod.yaml'), 'utf8')) as {
      spec: { terminationGracePeriodSeconds: number; containers: ({ ports: { name: string; containerPort: number }[] } & { [probe: string]: unknown })[] };
    };
    const cfg = parse(readFileSync(join(examples, 'kubernetes', 'dinit.yaml'), 'utf8')) as {
      options: { 'shutdown-timeout': string; http: { listen: string; 'token-file': string } };
    };
    assert.ok(pod.spec.terminationGracePeriodSeconds >= seconds(cfg.options['shutdown-timeout']) + 1);
    const c = pod.spec.containers[0]!;
    // The kubelet probes the Pod's IP: dinit must listen beyond loopback, on the port the probes name.
    const listen = /^:(\d+)$/.exec(cfg.options.http.listen);
    assert.ok(listen, `options.http.listen ${cfg.options.http.listen} listens on every interface`);
    const port = c.ports.find((p) => p.name === 'dinit');
    assert.equal(port?.containerPort, Number(listen[1]));
    const paths: Record<string, string> = { startupProbe: '/readyz', readinessProbe: '/readyz', livenessProbe: '/livez' };
    for (const [probe, path] of Object.entries(paths)) {
      assert.deepEqual((c[probe] as { httpGet: unknown }).httpGet, { path, port: 'dinit' }, probe);
    }
    assert.ok(cfg.options.http['token-file'].startsWith('/etc/dinit-token/'), 'the token comes from the mounted Secret');
  });

  it('docker-compose.yml mounts an existing dinit.yaml and gives docker stop at least the shutdown-timeout', () => {
    const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { volumes: string[]; stop_grace_period: string }>;
    };
    const svc = Object.values(compose.services)[0]!;
    const mount = svc.volumes.find((v) => v.split(':')[1] === '/etc/dinit.yaml');
    assert.ok(mount, 'a dinit.yaml is mounted at /etc/dinit.yaml');
    const source = join(repoRoot, mount.split(':')[0]!);
    assert.ok(existsSync(source), source);
    const cfg = parse(readFileSync(source, 'utf8')) as { options: { 'shutdown-timeout': string } };
    assert.ok(seconds(svc.stop_grace_period) >= seconds(cfg.options['shutdown-timeout']));
  });
});
