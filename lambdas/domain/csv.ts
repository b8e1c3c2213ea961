/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled; text that a spreadsheet
 * would run as a formula (leading =, +, -, @, tab or CR) is prefixed with an apostrophe. Numbers meant to stay
 * numbers are written without it.
 */
export function csvCell(value: unknown): string {
  let text = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
