/** One line of service log (stderr for the CLI; tests pass a collector or nothing). */
export type Log = (line: string) => void;

export const stderrLog: Log = (line) => process.stderr.write(`${new Date().toISOString()} mmdo: ${line}\n`);
