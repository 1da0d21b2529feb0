// options.http beyond its shape: the warnings `dinit check` and `dinit run`
// print for an endpoint open to the network, and reading the bearer token
// from the file the config names.

import { DinitError } from '../errors.js';
import { readRegularFileSync } from '../os/regular-file.js';
import { fsReason } from './source.js';
import type { Config, HttpListen } from '../types.js';

/** Whether only this container (network namespace) can reach the address. */
export function isLoopback(l: HttpListen): boolean {
  const h = l.host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

export function httpWarnings(config: Config): string[] {
  const h = config.options.http;
  if (!h) return [];
  const out: string[] = [];
  const where = h.host === '' ? `every interface (port ${h.port})` : `${h.host}:${h.port}`;
  if (!isLoopback(h) && !h.tokenFile) {
    out.push(
      `options.http listens on ${where} with no token-file: anyone who can reach it reads /status and /metrics, and control over HTTP stays off. Listen on 127.0.0.1, or set token-file (and control: true to allow POST).`,
    );
  }
  if (h.control && !h.tokenFile) out.push('options.http.control: true does nothing without options.http.token-file: every POST gets 403.');
  return out;
}

/** Bytes a token file may hold: a token is a line, not a document. */
const MAX_TOKEN_BYTES = 4096;

/**
 * The bearer token: the file's first line, trimmed. Read through the one
 * reader of files a config names (os/regular-file.ts: non-blocking, regular
 * files only, bounded), here to 4 KiB. Throws DinitError('CONFIG_READ') saying what is wrong.
 */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readRegularFileSync(path, MAX_TOKEN_BYTES);
  } catch (err) {
    throw new DinitError('CONFIG_READ', `cannot read options.http.token-file ${path}: ${fsReason(err)} (it should hold one line: the bearer token)`, { path }, err);
  }
  const token = (text.split('\n')[0] ?? '').trim();
  if (token.length < 16) throw new DinitError('CONFIG_READ', `options.http.token-file ${path}: the token must be at least 16 characters (e.g. \`head -c 24 /dev/urandom | base64\`)`, { path });
  return token;
}
