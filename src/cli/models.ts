import path from 'node:path';
import { Command } from 'commander';
import { rootPaths, settingsFromEnv } from '../server/config.js';
import { openSqliteStore } from '../server/db/sqlite/sqlite-store.js';
import { createLogger } from '../server/logger.js';
import { ModelHasher, type HashRunSummary } from '../server/models/hasher.js';
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
    const logger = createLogger(process.env.RECALL_LOG_LEVEL ?? 'warn');
    return { store, paths, logger, service: new ModelService(store.models, paths.models, logger) };
  };

  models
    .command('scan')
    .description('Discover model files under {root}/models and update the registry')
    .option('--root <dir>', 'Recall root (env INVOKEAI_ROOT; default ./recall-root)')
    .option('--hash', 'then compute the hashes of every model lacking them, in the foreground')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { root?: string; json?: boolean; hash?: boolean }) => {
      const { store, paths, logger, service } = open(opts.root);
      try {
        const s = await service.scan();
        if (!opts.json) {
          process.stdout.write(`${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.missing} missing, ${s.skipped.length} skipped\n`);
          for (const k of s.skipped) process.stdout.write(`  skipped ${k.path}: ${k.reason}\n`);
        }
        let hashing: HashRunSummary | undefined;
        if (opts.hash) {
          const hasher = new ModelHasher(store.models, paths.models, logger);
          try {
            hashing = await hasher.run((m, i, total) => {
              if (!opts.json) process.stdout.write(`hashing ${i + 1}/${total} ${m.path}\n`);
            });
          } finally {
            await hasher.close();
          }
          if (!opts.json) {
            process.stdout.write(`${hashing.hashed} hashed, ${hashing.deferred.length} not hashed\n`);
            for (const d of hashing.deferred) process.stdout.write(`  not hashed ${d.path}: ${d.reason}\n`);
          }
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(hashing ? { ...s, hashing } : s, null, 2)}\n`);
        if (hashing?.deferred.length) process.exitCode = 1;
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
