import { Command } from 'commander';
import { describeCliError } from './commands/cli-errors.js';
import { registerCommands } from './commands/index.js';

const program = new Command('mmdo')
  .description('MM-DO: find and explain anomalies in cathode microstructure images')
  .showHelpAfterError();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Bad input (a missing file, an invalid sheet, a wrong option, a busy port) is the user's to fix: one clear line
  // and exit code 1, never a stack trace or a raw validation dump. A bug of ours: one line and exit code 70.
  const { line, exitCode, stack } = describeCliError(error);
  process.stderr.write(`${line}\n`);
  if (stack) process.stderr.write(`${stack}\n`);
  process.exitCode = exitCode;
}
