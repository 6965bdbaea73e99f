import path from 'node:path';
import { Command } from 'commander';
import { rootPaths, settingsFromEnv } from '../server/config.js';
import { openSqliteStore } from '../server/db/sqlite/sqlite-store.js';
import { createLogger } from '../server/logger.js';
import { ModelService } from '../server/models/service.js';
import { checkRoot, StartupError } from '../server/serve.js';
import { fail } from './output.js';

/** `recall models scan|list`: the registry of the root, without a running server. */
export function modelsCommand(): Command {
  const models = new Command('models').description('Manage the model registry');

  const open = (rootFlag: string | undefined) => {
    const envRoot = settingsFromEnv(process.env).root;
    const root = path.resolve(rootFlag ?? envRoot ?? './recall-root');
    try {
      checkRoot(root, Boolean(rootFlag ?? envRoot));
    } catch (err) {
      if (err instanceof StartupError) fail(err.message);
      throw err;
    }
    const paths = rootPaths(root);
    const store = openSqliteStore(paths.database);
    return { store, service: new ModelService(store.models, paths.models, createLogger(process.env.RECALL_LOG_LEVEL ?? 'warn')) };
  };

  models
    .command('scan')
    .description('Discover model files under {root}/models and update the registry')
    .option('--root <dir>', 'Recall root (env INVOKEAI_ROOT; default ./recall-root)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { root?: string; json?: boolean }) => {
      const { store, service } = open(opts.root);
      try {
        const s = await service.scan();
        if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        else {
          process.stdout.write(`${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.missing} missing, ${s.skipped.length} skipped\n`);
          for (const k of s.skipped) process.stdout.write(`  skipped ${k.path}: ${k.reason}\n`);
        }
      } finally {
        await store.close();
      }
    });

  models
    .command('list')
    .description('List registered models')
    .option('--root <dir>', 'Recall root (env INVOKEAI_ROOT; default ./recall-root)')
    .option('--json', 'print as JSON')
    .action(async (opts: { root?: string; json?: boolean }) => {
      const { store, service } = open(opts.root);
      try {
        const list = await service.list({});
        if (opts.json) process.stdout.write(`${JSON.stringify({ models: list }, null, 2)}\n`);
        else for (const m of list) process.stdout.write(`${m.key}  ${m.type.padEnd(12)} ${m.base.padEnd(13)} ${m.name}\n`);
      } finally {
        await store.close();
      }
    });
  return models;
}
