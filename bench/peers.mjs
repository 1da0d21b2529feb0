// The peers, on the same machine in the same run, each as PID 1 of its own
// namespace managing the same 10 `sleep` services: supervisord (Python), s6
// (C: s6-svscan + one s6-supervise per service), pm2 (Node: pm2-runtime, the
// container entrypoint). Figures: the supervision tree's RSS (every process
// of the tree that is not a service), one status round trip with the peer's
// own client, and restarts/s of a service that exits at once. A peer that is
// not installed (bench/install-peers.sh) is reported as such.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, commOf, descendants, existsSync, median, memOf, now, report, rmTmp, sleep, startPid1, tmp, which } from './lib.mjs';

const pm2Bin = join(benchDir, 'out', 'peers', 'node_modules', '.bin');

const PEERS = {
  supervisord: {
    available: () => which('supervisord') && which('supervisorctl'),
    setup(dir, n, cmd) {
      let c = `[supervisord]\nnodaemon=true\nlogfile=${dir}/sd.log\npidfile=${dir}/sd.pid\n[unix_http_server]\nfile=${dir}/sd.sock\n`;
      c += `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${dir}/sd.sock\n`;
      for (let i = 0; i < n; i++) c += `[program:s${i}]\ncommand=${cmd}\nstartsecs=0\nautorestart=true\nstartretries=1000000\nstdout_logfile=${dir}/s${i}.out\n`;
      writeFileSync(join(dir, 'sd.conf'), c);
      return { argv: ['supervisord', '-c', join(dir, 'sd.conf')], status: ['supervisorctl', '-c', join(dir, 'sd.conf'), 'status'], outFile: join(dir, 's0.out') };
    },
  },
  s6: {
    available: () => which('s6-svscan') && which('s6-svstat'),
    setup(dir, n, cmd) {
      const scan = join(dir, 'scan');
      for (let i = 0; i < n; i++) {
        mkdirSync(join(scan, `s${i}`), { recursive: true });
        writeFileSync(join(scan, `s${i}`, 'run'), `#!/bin/sh\nexec ${cmd}\n`, { mode: 0o755 });
      }
      return { argv: ['s6-svscan', scan], status: ['s6-svstat', join(scan, 's0')] };
    },
  },
  pm2: {
    available: () => existsSync(join(pm2Bin, 'pm2-runtime')),
    setup(dir, n, cmd) {
      const apps = Array.from({ length: n }, (_, i) => ({
        name: `s${i}`,
        script: 'sh',
        args: ['-c', `exec ${cmd}`],
        interpreter: 'none',
        autorestart: true,
        restart_delay: 0,
        max_restarts: 1e9,
        min_uptime: 0,
      }));
      writeFileSync(join(dir, 'eco.json'), JSON.stringify({ apps }));
      const env = { PM2_HOME: join(dir, 'pm2') };
      return { argv: [join(pm2Bin, 'pm2-runtime'), 'start', join(dir, 'eco.json')], status: [join(pm2Bin, 'pm2'), 'jlist'], env };
    },
  },
};

const SERVICE_COMMS = new Set(['sleep', 'sh', 'date']);

/** RSS (KiB) of PID 1 and every descendant that is not a service process. */
function treeRss(pid1) {
  let kib = memOf(pid1).rss;
  for (const p of descendants(pid1)) if (!SERVICE_COMMS.has(commOf(p))) kib += memOf(p).rss;
  return kib;
}

async function waitServices(pid1, n, ms = 20000) {
  const end = now() + ms;
  while (now() < end) {
    if (descendants(pid1).filter((p) => commOf(p) === 'sleep').length >= n) return;
    await sleep(50);
  }
  throw new Error('peer did not start its services');
}

export async function peers({ runs, n = 10 }) {
  const out = {};
  for (const [name, peer] of Object.entries(PEERS)) {
    if (!peer.available()) {
      report({ scenario: 'peers', figure: `${name}`, value: NaN, unit: '', note: 'not installed (bench/install-peers.sh)' });
      continue;
    }
    const rss = [];
    const st = [];
    const rate = [];
    for (let i = 0; i < runs; i++) {
      const dir = tmp();
      try {
        const s = peer.setup(dir, n, 'sleep 100000');
        const env = s.env ?? {};
        const p = startPid1(s.argv, { env, cwd: dir });
        const pid1 = await p.pid1();
        await waitServices(pid1, n).catch((e) => {
          throw new Error(`${name}: ${e.message}\n${p.text().slice(-1500)}`);
        });
        await sleep(1000);
        rss.push(treeRss(pid1) / 1024);
        const t = now();
        spawnSync(s.status[0], s.status.slice(1), { stdio: 'ignore', env: { ...process.env, ...env } });
        st.push(now() - t);
        await p.stop('SIGTERM', 10000);
      } finally {
        rmTmp(dir);
      }
      const dir2 = tmp();
      try {
        const s = peer.setup(dir2, 1, 'date +%s%N');
        const p = startPid1(s.argv, { env: s.env ?? {}, cwd: dir2 });
        const pid1 = await p.pid1();
        await p.pid1();
        await sleep(1500);
        const text = () => (s.outFile ? (existsSync(s.outFile) ? readFileSync(s.outFile, 'utf8') : '') : p.text());
        const c0 = stamps(text());
        const t0 = now();
        await sleep(2000);
        rate.push(((stamps(text()) - c0) / (now() - t0)) * 1000);
        await p.stop('SIGTERM', 10000);
      } finally {
        rmTmp(dir2);
      }
    }
    out[name] = { rss: median(rss), status: median(st), rate: median(rate) };
    report({ scenario: 'peers', figure: `${name}: RSS of the supervision tree, ${n} services`, value: out[name].rss, unit: 'MiB' });
    report({ scenario: 'peers', figure: `${name}: status round trip`, value: out[name].status, unit: 'ms' });
    const noStamps = out[name].rate === 0;
    if (noStamps) out[name].rate = NaN;
    report({ scenario: 'peers', figure: `${name}: restarts/s, service exits at once`, value: out[name].rate, unit: '/s', note: noStamps ? 'no respawn seen in 2 s' : undefined });
  }
  return out;
}

/** How many `date +%s%N` stamps the output holds so far (the text is kept whole up to 1 MiB). */
function stamps(text) {
  return (text.match(/\d{19}/g) ?? []).length;
}
