// Text a service controls (sd_notify STATUS=, a probe's output, an exec
// error) reaches the operator's terminal through `dinit status`, event lines
// and error messages. Raw, it could carry escape sequences: ESC[2J clears the
// screen, ESC[1A repaints a failed row as "started", OSC sets the window
// title. Every table and event line dinit renders puts such text through
// here; JSON output stays exact (JSON.stringify escapes it), and service
// output in `dinit logs` and on the console stays as written, like `docker logs`.

// C0 controls (tab and newline included: they break a table row), DEL, C1
// controls, and the bidi overrides that make text read backwards.
// eslint-disable-next-line no-control-regex -- matching control characters is this module's whole purpose
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters shown as visible escapes (`\x1b`, `\u202e`); everything else unchanged. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// JSON.stringify escapes C0 only; C1 and bidi controls would reach the terminal raw.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** JSON for a terminal: exactly JSON.stringify's value, with the controls it leaves raw written as \uXXXX. */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
