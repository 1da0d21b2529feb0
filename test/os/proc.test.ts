import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { allPids, childPids, parseStat, readStat } from '../../src/os/proc.js';

describe('proc', () => {
  it('readStat reads a live process as the kernel writes it', () => {
    const st = readStat(process.pid)!;
    assert.equal(st.pid, process.pid);
    assert.equal(st.comm, readFileSync('/proc/self/comm', 'utf8').trim());
    assert.equal(st.ppid, process.ppid);
    assert.equal(st.state, 'R');
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    assert.equal(st.pgrp, Number(fields[2]));
    assert.equal(st.session, Number(fields[3]));
    assert.equal(st.starttime, Number(fields[19]));
  });

  it('readStat is null for a process that does not exist', () => {
    assert.equal(readStat(2 ** 22 + 1), null);
  });

  it('parseStat refuses a line cut short before starttime and one without a command name', () => {
    const full = '7 (a b) S 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0';
    assert.equal(parseStat(full)?.starttime, 555);
    assert.equal(parseStat(full.slice(0, full.indexOf(' 555'))), null);
    assert.equal(parseStat('7 a b S 1 7 7'), null);
  });

  it('childPids lists a child until it is reaped, and allPids has it too', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      assert.ok(childPids().includes(pid));
      assert.ok(allPids().includes(pid));
      assert.equal(readStat(pid)?.ppid, process.pid);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.on('exit', r));
    assert.ok(!childPids().includes(pid), 'gone once Node reaped it');
  });
});
