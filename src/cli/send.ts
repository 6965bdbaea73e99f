import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { createRecallClient, RecallApiError, RecallConnectionError, type RecallClient, type ServerCapabilities } from '../client/index.js';
import { zQueueId } from '../shared/queue.js';
import { InputError, prepareRecall } from './send-input.js';
import { fail } from './output.js';

interface SendOptions {
  server: string;
  queue: string;
  strict?: boolean;
  append?: boolean;
  remix?: boolean;
  token?: string;
  json?: boolean;
}

/** What happened to one input; `--json` prints a list of these. */
export interface SendResult {
  input: string;
  ok: boolean;
  /** The tool that wrote an image's metadata. */
  source: string | null;
  updated_count: number | null;
  warnings: string[];
  uploaded: string[];
  error: string | null;
}

const DEFAULT_SERVER = 'http://127.0.0.1:9090';

/** Exit codes: 0 every input went through, 1 some did not, 2 nothing could be tried (usage, server). */
export const EXIT = { ok: 0, someFailed: 1, unusable: 2 } as const;

/** Checks the server can do what was asked before sending anything (PhotoMapAI's approach: OpenAPI, then version). */
async function checkServer(client: RecallClient, opts: SendOptions): Promise<ServerCapabilities> {
  let caps: ServerCapabilities;
  try {
    caps = await client.capabilities();
  } catch (err) {
    if (err instanceof RecallConnectionError || err instanceof RecallApiError) fail(`cannot use the server at ${client.baseUrl}: ${err.message}`, EXIT.unusable);
    throw err;
  }
  if (!caps.recall) fail(`the server at ${client.baseUrl} has no recall API (InvokeAI 6.13.0 or later, or Recall, is needed)`, EXIT.unusable);
  if (opts.append && !caps.append) fail(`the server at ${client.baseUrl} does not support --append (InvokeAI 6.13.5 or later)`, EXIT.unusable);
  if (opts.strict && !caps.strict) fail(`the server at ${client.baseUrl} does not support --strict`, EXIT.unusable);
  return caps;
}

async function sendOne(input: string, client: RecallClient, opts: SendOptions, uploads: Map<string, Promise<string>>): Promise<SendResult> {
  const result: SendResult = { input, ok: false, source: null, updated_count: null, warnings: [], uploaded: [], error: null };
  try {
    const prepared = await prepareRecall(input, { remix: Boolean(opts.remix), client, uploads });
    result.source = prepared.source ? `${prepared.source.tool}${prepared.source.version ? ` ${prepared.source.version}` : ''}` : null;
    result.uploaded = prepared.uploaded;
    const outcome = await client.recall(opts.queue, prepared.body, { strict: opts.strict, append: opts.append });
    result.updated_count = outcome.updated_count;
    // Recall names what it skipped; InvokeAI only logs it.
    result.warnings = 'warnings' in outcome && Array.isArray(outcome.warnings) ? outcome.warnings.map((w) => w.message) : [];
    result.ok = true;
  } catch (err) {
    if (!(err instanceof InputError || err instanceof RecallApiError || err instanceof RecallConnectionError)) throw err;
    result.error = err.message;
  }
  return result;
}

function describe(r: SendResult): string {
  if (!r.ok) return `✗ ${r.input}: ${r.error}`;
  const parts = [`${r.updated_count} parameter(s)`];
  if (r.source) parts.push(`from ${r.source}`);
  if (r.uploaded.length) parts.push(`uploaded ${r.uploaded.join(', ')}`);
  if (r.warnings.length) parts.push(`${r.warnings.length} warning(s)`);
  const warnings = r.warnings.map((w) => `\n    warning: ${w}`).join('');
  return `✓ ${r.input}: ${parts.join(', ')}${warnings}`;
}

async function runSend(inputs: string[], opts: SendOptions): Promise<number> {
  if (!zQueueId.safeParse(opts.queue).success) fail(`--queue ${JSON.stringify(opts.queue)} is not a valid queue id`, EXIT.unusable);
  const client = createRecallClient({ baseUrl: opts.server, token: opts.token });
  await checkServer(client, opts);

  // A bar only where someone watches it; logs and pipes get one line per input instead.
  const bar = process.stderr.isTTY && inputs.length > 1 && !opts.json
    ? new cliProgress.SingleBar({ format: 'sending {bar} {value}/{total} {input}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(inputs.length, 0, { input: '' });
  const results: SendResult[] = [];
  const uploads = new Map<string, Promise<string>>();
  for (const input of inputs) {
    bar?.update({ input });
    const r = await sendOne(input, client, opts, uploads);
    results.push(r);
    if (bar) bar.increment();
    else if (!opts.json) process.stdout.write(`${describe(r)}\n`);
  }
  bar?.stop();
  client.close();

  const failed = results.filter((r) => !r.ok);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    if (bar) for (const r of results) process.stdout.write(`${describe(r)}\n`);
    process.stdout.write(`sent ${results.length - failed.length} of ${results.length} to queue ${opts.queue} on ${client.baseUrl}` + (failed.length ? ` (${failed.length} failed)` : '') + '\n');
  }
  return failed.length === 0 ? EXIT.ok : EXIT.someFailed;
}

/**
 * `recall send FILE|JSON...`: recall images (their metadata is read here), JSON files or inline JSON
 * on any InvokeAI-compatible server, using only the routes InvokeAI has (image upload, recall).
 */
export function sendCommand(): Command {
  return new Command('send')
    .description('Send images (their generation metadata), JSON files or inline JSON to a Recall or InvokeAI server')
    .argument('<inputs...>', 'image files, .json files with a recall body, or a JSON body in quotes')
    .addOption(new Option('--server <url>', 'the server (env RECALL_SERVER)').env('RECALL_SERVER').default(DEFAULT_SERVER))
    .option('--queue <id>', 'queue to recall into', 'default')
    .addOption(new Option('--strict', 'clear the lists an input does not give').conflicts('append'))
    .addOption(new Option('--append', 'append IP adapters and reference images instead of replacing them').conflicts('strict'))
    .option('--remix', 'leave the seed out, to vary the image rather than repeat it')
    .addOption(new Option('--token <token>', 'bearer token for the server (env RECALL_TOKEN)').env('RECALL_TOKEN'))
    .option('--json', 'print the results as JSON')
    .action(async (inputs: string[], opts: SendOptions) => {
      process.exitCode = await runSend(inputs, opts);
    });
}
