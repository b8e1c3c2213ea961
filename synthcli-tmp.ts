import { Command } from 'commander';
import { register } from '/work/main/bin/commands/synth.js';
const p = new Command('mmdo'); register(p); await p.parseAsync(process.argv);
