// An s6-overlay v3 tree → services. In /etc/s6-overlay/s6-rc.d each
// directory is a service: longrun → process (s6 always restarts it), oneshot
// → scripted (`up` → command, `down` → stop-command), bundle → internal;
// `dependencies.d/` → depends-on, the `user` bundle → what starts at boot
// (everything else gets auto-start: false and starts as a dependency).
// Legacy /etc/cont-init.d scripts become a chain of scripted services every
// other service depends on; /etc/services.d/NAME/run become process services.
//
// Scripts are referenced where they are (absolute paths): run the import on
// the tree at the path it has in the image. An execline script is converted
// to a plain command when it is one (one program and its arguments: execline
// then runs exactly that); anything using execline's own commands is kept
// running under execlineb and listed, since the image then needs execline.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConfigError, DinitError } from '../errors.js';
import { fsReason } from '../config/source.js';
import { formatDuration } from '../units.js';
import { splitWords } from '../config/values.js';
import { literal, newConversion, newDraft, note, put, serviceName, uniqueName, type Conversion, type Draft } from './draft.js';

/** execline's own commands (and s6's), which no shell knows. */
const EXECLINE =
  /^(foreground|background|if|ifelse|ifte|ifthenelse|ifnot|importas|multisubstitute|multidefine|define|fdmove|fdclose|fdreserve|fdswap|fdblock|redirfd|pipeline|piperw|backtick|withstdinas|export|unexport|elglob|elgetpositionals|elgetopt|forx|forstdin|forbacktickx|loopwhilex|emptyenv|envfile|exec|execlineb|getpid|getcwd|heredoc|homeof|trap|wait|tryexec|runblock|shift|dollarat|umask|cd|s6-.*|fdmove)$/;

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read ${file}: ${fsReason(e)}`, { file }, e);
  }
}

/** Names listed by a `NAME.d/` directory of empty files or a `NAME` file of lines (older s6-rc). */
function listed(dir: string, what: string): string[] {
  const d = join(dir, `${what}.d`);
  if (isDir(d))
    return readdirSync(d)
      .filter((n) => !n.startsWith('.'))
      .sort();
  const f = join(dir, what);
  if (existsSync(f))
    return read(f)
      .split(/\s+/)
      .filter((w) => w && !w.startsWith('#'));
  return [];
}

/** Where the s6-rc source directory and the legacy /etc are, from the path given. */
export function locateS6(path: string): { rc?: string; legacy?: string } {
  const p = resolve(path);
  const rc = [p, join(p, 's6-rc.d'), join(p, 's6-overlay', 's6-rc.d'), join(p, 'etc', 's6-overlay', 's6-rc.d')].find((d) => isDir(d) && (basename(d) === 's6-rc.d' || existsSync(join(d, 'user', 'type'))));
  const legacy = [p, join(p, 'etc'), dirname(p), dirname(dirname(p))].find((d) => isDir(join(d, 'cont-init.d')) || isDir(join(d, 'services.d')));
  return { ...(rc ? { rc } : {}), ...(legacy ? { legacy } : {}) };
}

/** execline text → a plain command (words), or undefined when it uses execline's own commands. */
export function plainExecline(text: string): { words: string[]; user?: string } | undefined {
  const body = text
    .split('\n')
    .filter((l, i) => !(i === 0 && l.startsWith('#!')))
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .join(' ');
  let words: string[];
  try {
    const r = splitWords(body);
    if (r.shellSyntax.length > 0) return undefined;
    words = r.words;
  } catch {
    return undefined;
  }
  if (words.some((w) => w === '{' || w === '}' || w === '""')) return undefined;
  let user: string | undefined;
  while (words[0] === 'with-contenv' || words[0] === '/command/with-contenv' || words[0] === 's6-setuidgid') {
    if (words[0] === 's6-setuidgid') {
      user = words[1];
      words = words.slice(2);
    } else words = words.slice(1);
  }
  const first = words[0];
  if (!first || EXECLINE.test(basename(first))) return undefined;
  return { words, ...(user ? { user } : {}) };
}

/**
 * How to run a script file: a shell script by its path (through sh/bash when
 * its interpreter is with-contenv, which dinit does not need: services get
 * the container's environment), a plain execline one as its command.
 */
function scriptCommand(d: Draft, file: string, key: string): void {
  const text = read(file);
  const shebang = /^#!\s*(\S+)(?:\s+(.*))?/.exec(text.split('\n')[0] ?? '');
  const interp = shebang ? basename(shebang[1] ?? '') : '';
  const arg = shebang?.[2]?.trim() ?? '';
  const orig = { key, value: file };
  if (interp === 'with-contenv') {
    const shell = arg.split(/\s+/)[0] ?? 'sh';
    if (/^(sh|bash|ash|dash|zsh)$/.test(basename(shell))) {
      put(d, 'command', [shell, literal(file)], orig);
      s6Tools(d, text, file, key);
      return;
    }
  }
  if (interp.startsWith('execlineb') || interp === 'with-contenv') {
    const plain = plainExecline(text);
    if (plain) {
      put(d, 'command', plain.words.map(literal), orig);
      if (plain.user) put(d, 'user', plain.user, { key: `${key} (s6-setuidgid)`, value: plain.user });
      return;
    }
    put(d, 'command', [literal(file)], orig);
    note(d, key, file, 'an execline script: kept as is, so the image needs execline (s6-overlay ships it); rewrite it as a shell script to drop it');
    return;
  }
  put(d, 'command', [literal(file)], orig);
  s6Tools(d, text, file, key);
}

/** A shell script calling s6's programs needs them in the image. */
function s6Tools(d: Draft, text: string, file: string, key: string): void {
  const s6 = [...new Set(text.match(/\bs6-[a-z-]+/g) ?? [])];
  if (s6.length > 0) note(d, key, file, `the script calls ${s6.join(', ')}, which exist only with s6-overlay installed (for s6-setuidgid, dinit has user:)`);
}

function millis(d: Draft, dir: string, file: string, key: string): void {
  const f = join(dir, file);
  if (!existsSync(f)) return;
  const v = read(f).trim();
  if (!/^\d+$/.test(v)) throw new ConfigError([{ pos: { file: f, line: 1, col: 1 }, message: `${file} must be a number of milliseconds`, hint: 'e.g. 5000' }]);
  if (v === '0') return; // 0: no limit, dinit's default would cap it
  put(d, key, formatDuration(Number(v)), { key: file, value: v });
}

function longrunExtras(d: Draft, dir: string): void {
  const nfd = join(dir, 'notification-fd');
  if (existsSync(nfd)) {
    const v = read(nfd).trim();
    if (!/^\d+$/.test(v) || Number(v) < 3) throw new ConfigError([{ pos: { file: nfd, line: 1, col: 1 }, message: 'notification-fd must be a file descriptor number of 3 or more' }]);
    put(d, 'ready.notify', Number(v), { key: 'notification-fd', value: v });
  }
  const finish = join(dir, 'finish');
  if (existsSync(finish)) put(d, 'on-exit', [literal(finish)], { key: 'finish', value: finish });
  const sig = join(dir, 'down-signal');
  if (existsSync(sig)) put(d, 'stop-signal', read(sig).trim(), { key: 'down-signal', value: read(sig).trim() });
  for (const f of ['producer-for', 'consumer-for', 'pipeline-name', 'max-death-tally', 'flag-essential', 'lock-fd', 'timeout-kill', 'timeout-finish']) {
    if (existsSync(join(dir, f))) note(d, f, read(join(dir, f)).trim() || '(present)', f.endsWith('-for') || f === 'pipeline-name' ? 'dinit has no pipelines between services' : 'dinit has no equivalent');
  }
}

export function importS6(path: string): Conversion {
  const { rc, legacy } = locateS6(path);
  if (!rc && !legacy) throw new DinitError('CONFIG_READ', `${resolve(path)}: no s6-overlay tree here (looked for s6-rc.d/, s6-overlay/s6-rc.d/, etc/s6-overlay/s6-rc.d/, cont-init.d/ and services.d/)`);
  const c = newConversion('s6', resolve(path));
  const shown = (f: string): string => relative(c.source, f) || '.';
  const taken = new Set<string>();
  // Legacy cont-init.d: run one after another, before everything else.
  const inits: string[] = [];
  if (legacy && isDir(join(legacy, 'cont-init.d'))) {
    for (const f of readdirSync(join(legacy, 'cont-init.d'))
      .filter((n) => !n.startsWith('.'))
      .sort()) {
      const file = join(legacy, 'cont-init.d', f);
      const d = newDraft(uniqueName(taken, serviceName(`cont-init-${f.replace(/\.sh$/, '')}`)), shown(file));
      put(d, 'type', 'scripted', { key: 'cont-init.d', value: f });
      scriptCommand(d, file, 'cont-init.d');
      const prev = inits[inits.length - 1];
      if (prev) put(d, 'depends-on', [prev], { key: 'cont-init.d', value: f });
      inits.push(d.name);
      c.services.push(d);
    }
  }
  const lastInit = inits[inits.length - 1];
  for (const dirName of ['cont-finish.d', 'fix-attrs.d']) {
    if (legacy && isDir(join(legacy, dirName))) {
      for (const f of readdirSync(join(legacy, dirName)).sort()) {
        c.notConverted.push({
          key: `${dirName}/${f}`,
          value: shown(join(legacy, dirName, f)),
          why: dirName === 'fix-attrs.d' ? 'dinit changes no file attributes: do it in the Dockerfile' : 'dinit runs no scripts at shutdown: a scripted service with a stop-command can',
        });
      }
    }
  }
  if (rc) {
    const names = readdirSync(rc)
      .filter((n) => !n.startsWith('.') && isDir(join(rc, n)))
      .sort();
    const types = new Map<string, string>();
    for (const n of names) {
      const tf = join(rc, n, 'type');
      if (!existsSync(tf)) throw new ConfigError([{ pos: { file: tf, line: 1, col: 1 }, message: `service directory ${n} has no type file`, hint: 'write longrun, oneshot or bundle into it' }]);
      const t = read(tf).trim();
      if (!['longrun', 'oneshot', 'bundle'].includes(t)) throw new ConfigError([{ pos: { file: tf, line: 1, col: 1 }, message: `unknown service type "${t}"`, hint: 'longrun, oneshot or bundle' }]);
      types.set(n, t);
    }
    const boot = new Set(['user', 'user2'].flatMap((b) => (types.get(b) === 'bundle' ? listed(join(rc, b), 'contents') : [])));
    const rename = new Map<string, string>();
    for (const n of names) if (n !== 'user' && n !== 'user2') rename.set(n, uniqueName(taken, serviceName(n)));
    for (const n of names) {
      const svc = rename.get(n);
      if (!svc) continue;
      const dir = join(rc, n);
      const t = types.get(n) as string;
      const d = newDraft(svc, `${t} ${shown(dir)}`);
      const ref = (x: string, key: string): string | undefined => {
        if (x === 'base') return lastInit;
        const r = rename.get(x);
        if (!r) {
          if (x !== 'user' && x !== 'user2') note(d, key, x, `${x} is not a service in ${rc} (an s6-overlay internal one?)`);
          return undefined;
        }
        return r;
      };
      if (t === 'bundle') {
        put(d, 'type', 'internal', { key: 'type', value: t });
        const contents = listed(dir, 'contents')
          .map((x) => ref(x, 'contents.d'))
          .filter((x): x is string => !!x);
        put(d, 'depends-on', contents, { key: 'contents.d', value: listed(dir, 'contents').join(' ') });
      } else if (t === 'oneshot') {
        put(d, 'type', 'scripted', { key: 'type', value: t });
        const up = join(dir, 'up');
        const upText = read(up);
        const plain = plainExecline(upText);
        if (plain) {
          put(d, 'command', plain.words.map(literal), { key: 'up', value: upText.trim() });
          if (plain.user) put(d, 'user', plain.user, { key: 'up (s6-setuidgid)', value: plain.user });
        } else {
          put(d, 'command', ['execlineb', '-P', '-c', literal(upText.trim())], { key: 'up', value: upText.trim() });
          note(d, 'up', upText.trim(), 'execline, not a plain command: runs under execlineb, so the image needs execline');
        }
        const down = join(dir, 'down');
        if (existsSync(down)) {
          const downText = read(down);
          const pd = plainExecline(downText);
          put(d, 'stop-command', pd ? pd.words.map(literal) : ['execlineb', '-P', '-c', literal(downText.trim())], { key: 'down', value: downText.trim() });
          if (!pd) note(d, 'down', downText.trim(), 'execline, not a plain command: runs under execlineb');
        }
      } else {
        scriptCommand(d, join(dir, 'run'), 'run');
        put(d, 'restart', 'always', { key: 'type', value: t });
        longrunExtras(d, dir);
      }
      const deps = listed(dir, 'dependencies')
        .map((x) => ref(x, 'dependencies.d'))
        .filter((x): x is string => !!x);
      if (lastInit && t !== 'bundle' && !deps.includes(lastInit)) deps.push(lastInit);
      if (deps.length > 0) {
        const prev = (d.keys.get('depends-on') as string[] | undefined) ?? [];
        put(d, 'depends-on', [...new Set([...prev, ...deps])], { key: 'dependencies.d', value: listed(dir, 'dependencies').join(' ') });
      }
      millis(d, dir, 'timeout-up', 'start-timeout');
      millis(d, dir, 'timeout-down', 'stop-timeout');
      if (!boot.has(n)) put(d, 'auto-start', false, { key: 'user/contents.d', value: `(${n} not listed)` });
      c.services.push(d);
    }
  }
  if (legacy && isDir(join(legacy, 'services.d'))) {
    for (const n of readdirSync(join(legacy, 'services.d'))
      .filter((x) => !x.startsWith('.'))
      .sort()) {
      const dir = join(legacy, 'services.d', n);
      if (!existsSync(join(dir, 'run'))) continue;
      const d = newDraft(uniqueName(taken, serviceName(n)), shown(join(dir, 'run')));
      scriptCommand(d, join(dir, 'run'), 'run');
      put(d, 'restart', 'always', { key: 'services.d', value: n });
      if (lastInit) put(d, 'depends-on', [lastInit], { key: 'cont-init.d', value: lastInit });
      longrunExtras(d, dir);
      if (existsSync(join(dir, 'down'))) put(d, 'auto-start', false, { key: 'down', value: '(present)' });
      c.services.push(d);
    }
  }
  if (c.services.length === 0) throw new DinitError('CONFIG_READ', `${resolve(path)}: the s6-overlay tree has no services`);
  return c;
}
