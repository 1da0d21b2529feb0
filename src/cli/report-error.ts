// How a failed verb ends: one place maps an error to its message and exit
// code, so every verb reports the same way. A config error prints each
// located issue on its own line (file:line:col: message (hint)) — the form
// editors and CI logs can jump to.

import { DinitError, EXIT, describeConfigError, issuesOf } from '../errors.js';
import type { CliIO } from './context.js';
import { escapeControls } from '../terminal-text.js';

function exitCodeFor(err: DinitError): number {
  switch (err.code) {
    case 'USAGE':
    case 'CONFIG_INVALID':
    case 'CONFIG_READ':
    case 'HTTP_LISTEN':
      return EXIT.USAGE;
    case 'UNREACHABLE':
      return EXIT.UNREACHABLE;
    case 'PROTOCOL':
    case 'UNKNOWN_SERVICE':
    case 'OPERATION_FAILED':
    case 'SOCKET_IN_USE':
    case 'BUSY':
    case 'INTERNAL':
      return EXIT.FAILED;
    default: {
      const never: never = err.code;
      return never;
    }
  }
}

/** Print an error for the user and return the exit code. */
export function reportError(err: unknown, verb: string | undefined, io: CliIO, env: NodeJS.ProcessEnv): number {
  if (err instanceof DinitError) {
    if (issuesOf(err)) {
      io.err(describeConfigError(err).replace(/[^\n]*$/, (summary) => `dinit: ${summary}`) + '\n');
    } else if (err.code === 'USAGE') {
      const v = verb && verb !== 'help' ? ` ${verb}` : '';
      io.err(`dinit${v}: ${err.message}\n(run 'dinit${v} --help' for usage)\n`);
    } else {
      // A supervisor's error can quote a service's words (a reason, a probe's output).
      io.err(`dinit: ${escapeControls(err.message)}\n`);
    }
    return exitCodeFor(err);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.err(`dinit: internal error: ${env.DINIT_DEBUG ? (e.stack ?? e.message) : e.message}\n`);
  return EXIT.FAILED;
}
