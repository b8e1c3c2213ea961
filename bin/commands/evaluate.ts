import type { Command } from 'commander';

// Placeholder until the 'evaluate' command is implemented in this module.
export function register(program: Command): void {
  program.command('evaluate').description('not implemented yet').action(() => {
    throw new Error("'mmdo evaluate' is not implemented yet");
  });
}
