/** One line of service log (stderr for the CLI; tests pass a collector or nothing). */
export type Log = (line: string) => void;

/**
 * One line per event, always: control characters in what a line quotes (a file name with a newline, a stack trace)
 * are escaped, so no input can forge or split log lines.
 */
export const stderrLog: Log = (line) => process.stderr.write(`${new Date().toISOString()} mmdo: ${oneLine(line)}\n`);

export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
