import type { Command } from 'commander';

// Placeholder until the 'bench' command is implemented in this module.
export function register(program: Command): void {
  program.command('bench').description('not implemented yet').action(() => {
    throw new Error("'mmdo bench' is not implemented yet");
  });
}
