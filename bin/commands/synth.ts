import type { Command } from 'commander';

// Placeholder until the 'synth' command is implemented in this module.
export function register(program: Command): void {
  program.command('synth').description('not implemented yet').action(() => {
    throw new Error("'mmdo synth' is not implemented yet");
  });
}
