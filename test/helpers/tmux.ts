// A real pseudo-terminal for tests of interactive use: a detached tmux session
// runs one command line in its own pty (as `docker run -it` gives a container
// one); tests type into it (send-keys) and read the screen (capture-pane).
// The command's exit code is written to a file, so it outlives the pane.
// Each session has a tmux server of its own (-L): a server exiting after its
// last session closed cannot take the next test's session with it, and no
// test touches anyone's default tmux server.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, waitUntil } from './dinit-process.js';

export function haveTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

let sessions = 0;

export class TmuxSession {
  readonly name: string;
  private readonly exitFile: string;

  /** Run `command` (a shell command line) in a new pty of `cols`x`rows`; `dir` holds the exit-code file. */
  constructor(command: string, dir: string, cols = 120, rows = 40) {
    this.name = `dinit-test-${process.pid}-${++sessions}`;
    this.exitFile = join(dir, `tmux-exit-${sessions}`);
    const line = `${command}; echo $? > ${this.exitFile}; sleep 3600`;
    this.tmux('new-session', '-d', '-s', this.name, '-x', String(cols), '-y', String(rows), line);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.name, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Keys as tmux names them: text, 'Enter', 'C-c', 'C-z'. */
  send(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Type a line and press Enter. */
  type(line: string): void {
    this.send('-l', line);
    this.send('Enter');
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-S', '-200', '-t', this.name);
  }

  /** Wait until the screen shows `pattern`; returns the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    try {
      return await waitUntil(`${pattern} on the terminal`, () => pattern.test(this.screen()) && this.screen(), timeoutMs, 50);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${this.screen()}`, { cause: err });
    }
  }

  /** The command's exit code, once it ended. */
  async exitCode(timeoutMs = 15000): Promise<number> {
    try {
      const text = await waitUntil('the command to end', () => existsSync(this.exitFile) && readFileSync(this.exitFile, 'utf8').trim(), timeoutMs, 50);
      return Number(text);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${this.screen()}`, { cause: err });
    }
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows));
  }

  /** Pid of the shell tmux started for the command line, and of its descendants in order. */
  panePid(): number {
    return Number(this.tmux('display-message', '-p', '-t', this.name, '#{pane_pid}').trim());
  }

  /** The first descendant of the pane's shell that satisfies `match` (e.g. dinit as PID 1, under unshare). */
  descendant(match: (pid: number) => boolean): number | undefined {
    const stack = childrenOf(this.panePid());
    while (stack.length) {
      const p = stack.shift()!;
      if (match(p)) return p;
      stack.push(...childrenOf(p));
    }
    return undefined;
  }

  close(): void {
    spawnSync('tmux', ['-L', this.name, 'kill-server'], { stdio: 'ignore' });
  }
}
