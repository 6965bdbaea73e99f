#!/usr/bin/env node
import { Command } from 'commander';
import { RECALL_VERSION } from '../server/version.js';
import { modelsCommand } from './models.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';

const program = new Command('recall')
  .description('Recall: push generation parameters into a live InvokeAI-compatible front end')
  .version(RECALL_VERSION)
  .showHelpAfterError('(run recall --help for usage)')
  .addCommand(serveCommand())
  .addCommand(modelsCommand())
  .addCommand(sendCommand());

await program.parseAsync(process.argv);
