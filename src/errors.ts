// Errors that cross a boundary carry a stable code, where they happened and a cause.
// Config and CLI errors are thrown; runtime failures of services never are — they
// become a StopReason on the service (the supervisor never dies of a service).

import type { SourcePos } from './types.js';

/** The stable error codes, written once: the type, the CLI's exit codes and the protocol all read this list. */
export const ERROR_CODES = [
  'CONFIG_INVALID', // one or more located config problems (see ConfigError)
  'CONFIG_READ', // the file could not be read
  'USAGE', // bad command line
  'UNREACHABLE', // no supervisor answered on the socket
  'PROTOCOL', // malformed request/reply, version mismatch
  'UNKNOWN_SERVICE',
  'OPERATION_FAILED',
  'SOCKET_IN_USE',
  'BUSY', // the supervisor refused a control request for now (too many clients or unread replies)
  'HTTP_LISTEN', // options.http could not bind its address
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DinitError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DinitError';
    this.code = code;
    this.context = context;
  }
}

/** One located problem in a config file. */
export interface ConfigIssue {
  pos: SourcePos;
  message: string;
  /** Optional hint: "did you mean 'depends-on'?", "a duration looks like 500ms, 10s, 2m". */
  hint?: string;
}

function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.pos.file}:${issue.pos.line}:${issue.pos.col}`;
  return issue.hint ? `${where}: ${issue.message} (${issue.hint})` : `${where}: ${issue.message}`;
}

/** The located issues of a config error (thrown here, or decoded from the protocol); undefined for any other error. */
export function issuesOf(err: unknown): ConfigIssue[] | undefined {
  if (!(err instanceof DinitError) || err.code !== 'CONFIG_INVALID') return undefined;
  const issues = (err as { issues?: unknown }).issues ?? err.context.issues;
  return Array.isArray(issues) && issues.length > 0 ? (issues as ConfigIssue[]) : undefined;
}

/**
 * The one way a config error is written out (`run`, `check`, `reload`, SIGHUP):
 * each located issue on its own line, then how many. Any other error: its message.
 */
export function describeConfigError(err: unknown): string {
  const issues = issuesOf(err);
  if (!issues) return err instanceof Error ? err.message : String(err);
  const n = issues.length;
  return issues.map(formatIssue).join('\n') + `\ninvalid config (${n} error${n === 1 ? '' : 's'})`;
}

/** Every problem found in a config, reported at once. */
export class ConfigError extends DinitError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const n = issues.length;
    super('CONFIG_INVALID', `invalid config (${n} error${n === 1 ? '' : 's'}):\n` + issues.map((i) => '  ' + formatIssue(i)).join('\n'), {
      issues,
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Exit codes of the CLI (SPEC §2). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;
