import { appendFileSync } from 'node:fs';

/**
 * The suite's figures (inputs tried, faults injected, uploads in / reports out, duplicates): one JSON line per
 * test appended to $MMDO_RELIABILITY_FIGURES when it is set (how the README's Reliability table is made), and a
 * line on stderr either way.
 */
export function recordFigures(test: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ test, ...figures });
  process.stderr.write(`reliability: ${line}\n`);
  const file = process.env.MMDO_RELIABILITY_FIGURES;
  if (file) appendFileSync(file, `${line}\n`);
}
