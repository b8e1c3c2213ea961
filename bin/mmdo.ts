import { Command } from 'commander';
import { MmdoError } from '../lambdas/domain/errors.js';
import { registerCommands } from './commands/index.js';

const program = new Command('mmdo')
  .description('MM-DO: find and explain anomalies in cathode microstructure images')
  .showHelpAfterError();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Bad input (a missing file, an invalid sheet, a wrong option) is the user's to fix: one clear line, not a stack.
  if (error instanceof MmdoError) {
    process.stderr.write(`mmdo: ${error.code}: ${error.message}\n`);
  } else if (error instanceof Error && 'path' in error) {
    process.stderr.write(`mmdo: ${error.message}\n`); // file-system errors name the path already
  } else {
    throw error;
  }
  process.exitCode = 1;
}
