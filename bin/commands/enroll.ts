import type { Command } from 'commander';

// Placeholder until the 'enroll' command is implemented in this module.
export function register(program: Command): void {
  program.command('enroll').description('not implemented yet').action(() => {
    throw new Error("'mmdo enroll' is not implemented yet");
  });
}
