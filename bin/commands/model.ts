import type { Command } from 'commander';

// Placeholder until the 'model' command is implemented in this module.
export function register(program: Command): void {
  program.command('model').description('not implemented yet').action(() => {
    throw new Error("'mmdo model' is not implemented yet");
  });
}
