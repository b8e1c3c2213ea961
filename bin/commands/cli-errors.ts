import { z } from 'zod';
import { MmdoError, ValidationError } from '../../lambdas/domain/errors.js';

/** `pixelSize` → `--pixel-size`: how a person typed the option that is wrong. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Parses a command's options with its zod schema; a bad value is a ValidationError naming the flag and what it
 * takes ("--count: must be a whole number greater than 0, got 'abc'"), never a ZodError dump.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const value = key in given ? given[key] : undefined;
    const shown = value === undefined ? '' : `, got ${JSON.stringify(value)}`;
    return `${key ? flagName(key) : 'options'}: ${describeIssue(issue)}${shown}`;
  });
  throw new ValidationError(problems.join('; '), { issues: result.error.issues.map((i) => ({ option: flagName(String(i.path[0] ?? '')), message: i.message })) });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' ? 'must be a number' : issue.expected === 'array' ? 'must be a comma-separated list' : `must be a ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${issue.minimum} value(s)` : `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `takes at most ${issue.maximum} value(s)` : `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** Exit codes: 1 for anything the user can fix (input, options, a busy port), 70 (EX_SOFTWARE) for a bug of ours. */
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 70;

/**
 * The one line (and exit code) an error ends the CLI with: never a stack trace for an expected error. Unexpected
 * ones print their message and where to get the stack (MMDO_DEBUG=1).
 */
export function describeCliError(error: unknown, env: NodeJS.ProcessEnv = process.env): { line: string; exitCode: number; stack?: string } {
  if (error instanceof MmdoError) return { line: `mmdo: ${error.code}: ${error.message}`, exitCode: EXIT_USER_ERROR };
  if (error instanceof z.ZodError) {
    return { line: `mmdo: validation_failed: ${error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`, exitCode: EXIT_USER_ERROR };
  }
  const e = error as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    // File-system and network errors name the path or address already (ENOENT, EACCES, EISDIR, EADDRINUSE...).
    return { line: `mmdo: ${e.message}`, exitCode: EXIT_USER_ERROR };
  }
  const message = error instanceof Error ? error.message : String(error);
  const debug = env.MMDO_DEBUG === '1' || env.MMDO_DEBUG === 'true';
  return {
    line: `mmdo: internal error: ${message}${debug ? '' : ' (set MMDO_DEBUG=1 for the stack trace)'}`,
    exitCode: EXIT_INTERNAL_ERROR,
    ...(debug && error instanceof Error && error.stack ? { stack: error.stack } : {}),
  };
}
