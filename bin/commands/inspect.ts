import type { Command } from 'commander';

// Placeholder until the 'inspect' command is implemented in this module.
export function register(program: Command): void {
  program.command('inspect').description('not implemented yet').action(() => {
    throw new Error("'mmdo inspect' is not implemented yet");
  });
}
