import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

const program = new Command('mmdo')
  .description('MM-DO: find and explain anomalies in cathode microstructure images')
  .showHelpAfterError();

registerCommands(program);

await program.parseAsync(process.argv);
