import type { Command } from 'commander';

// Placeholder until the 'serve' command is implemented in this module.
export function register(program: Command): void {
  program.command('serve').description('not implemented yet').action(() => {
    throw new Error("'mmdo serve' is not implemented yet");
  });
}
