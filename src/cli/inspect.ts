import { readFile, stat } from 'node:fs/promises';
import { Command } from 'commander';
import { isMetadataReadError, parseImageMetadata, type ParseOptions } from '../metadata/index.js';
import type { InspectEntry, ModelRef } from '../shared/metadata.js';
import { RECALL_FIELDS } from '../shared/recall.js';

/** Larger files are refused unread; no generated image comes near this. */
export const MAX_INSPECT_FILE_BYTES = 256 * 1024 * 1024;

export interface InspectOptions {
  json?: boolean;
  nearestScheduler?: boolean;
}

const empty = () => ({ format: null, width: null, height: null, source: null, parameters: {}, model_refs: [], unmapped: {}, message: null, error: null });

export function inspectFailure(file: string, code: NonNullable<InspectEntry['error']>['code'], message: string): InspectEntry {
  return { file, status: 'error', ...empty(), message, error: { code, message } };
}

/** What one image holds, as an inspect entry. No I/O: the bytes are given. */
export async function inspectBytes(file: string, bytes: Uint8Array, options: InspectOptions = {}): Promise<InspectEntry> {
  const parseOptions: ParseOptions = { schedulerMatch: options.nearestScheduler ? 'nearest' : 'exact' };
  try {
    const r = await parseImageMetadata(bytes, parseOptions);
    const base = { file, format: r.format, width: r.width, height: r.height };
    if (r.status === 'none') return { ...empty(), ...base, status: 'none', unmapped: r.unmapped, message: r.message };
    return { ...empty(), ...base, status: 'found', source: r.source, parameters: r.parameters, model_refs: r.model_refs, unmapped: r.unmapped };
  } catch (err) {
    if (isMetadataReadError(err)) return inspectFailure(file, err.code, err.message);
    throw err;
  }
}

/** Exit status: 0 only when every file could be read (an image without metadata is not a failure). */
export const inspectExitCode = (entries: readonly InspectEntry[]): number => (entries.some((e) => e.status === 'error') ? 1 : 0);

const oneLine = (s: string, max = 400): string => {
  const flat = s.replace(/\r?\n/g, ' ⏎ ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const show = (v: unknown, max?: number): string => oneLine(typeof v === 'string' ? v : JSON.stringify(v) ?? String(v), max);

function refsFor(refs: readonly ModelRef[], field: string): string {
  const matching = refs.filter((r) => r.field === field);
  return matching.length === 0 ? '' : `  (${matching.map((r) => `${r.algorithm} ${r.hash.length > 16 ? `${r.hash.slice(0, 16)}…` : r.hash}`).join(', ')})`;
}

function listItem(field: string, item: Record<string, unknown>, refs: readonly ModelRef[], index: number): string {
  const { model_name, image_name, ...rest } = item;
  const details = Object.entries(rest)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${show(v, 60)}`);
  if (image_name) details.unshift(`image ${String(image_name)}`);
  const name = model_name === undefined ? String(image_name) : String(model_name);
  const extra = model_name === undefined ? '' : details.length > 0 ? ` [${details.join(', ')}]` : '';
  return `${name}${extra}${refsFor(refs, `${field}.${index}`)}`;
}

/** A readable summary of one entry, in the recall API's field names. */
export function formatInspectEntry(e: InspectEntry): string {
  const size = e.format ? `${e.format.toUpperCase()} ${e.width}×${e.height}` : '';
  if (e.status === 'error') return `${e.file}: error ${e.error?.code}: ${e.error?.message}\n`;
  if (e.status === 'none') {
    const lines = [`${e.file} (${size}): ${e.message}`];
    for (const [k, v] of Object.entries(e.unmapped)) lines.push(`  text ${k}: ${show(v, 200)}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [`${e.file} (${size}): ${e.source?.tool}${e.source?.version ? ` ${e.source.version}` : ''}`];
  const label = (name: string) => name.padEnd(Math.max(18, name.length + 1));
  const params = e.parameters as Record<string, unknown>;
  for (const field of RECALL_FIELDS) {
    const value = params[field];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => lines.push(`  ${label(i === 0 ? field : '')}${listItem(field, item as Record<string, unknown>, e.model_refs, i)}`));
    } else {
      lines.push(`  ${label(field)}${show(value)}${refsFor(e.model_refs, field)}`);
    }
  }
  const unmapped = Object.entries(e.unmapped);
  if (unmapped.length > 0) {
    lines.push(`  ${label('not mapped')}${unmapped.map(([k, v]) => `${k}: ${show(v, 120)}`).join(' · ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatInspectReport(entries: readonly InspectEntry[], options: InspectOptions = {}): string {
  return options.json ? `${JSON.stringify(entries, null, 2)}\n` : entries.map(formatInspectEntry).join('\n');
}

async function readImageFile(file: string): Promise<Uint8Array | InspectEntry> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return inspectFailure(file, 'FILE_UNREADABLE', 'not a regular file');
    if (info.size > MAX_INSPECT_FILE_BYTES) return inspectFailure(file, 'TOO_LARGE', `file is larger than ${MAX_INSPECT_FILE_BYTES} bytes`);
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    return inspectFailure(file, 'FILE_UNREADABLE', `cannot read the file (${code})`);
  }
}

/** Reads each file in turn (one bad file does not stop the rest), prints the report, returns the exit code. */
export async function runInspect(files: readonly string[], options: InspectOptions, out: (text: string) => void): Promise<number> {
  const entries: InspectEntry[] = [];
  for (const file of files) {
    const bytes = await readImageFile(file);
    entries.push(bytes instanceof Uint8Array ? await inspectBytes(file, bytes, options) : bytes);
  }
  out(formatInspectReport(entries, options));
  return inspectExitCode(entries);
}

/** `recall inspect FILE...`: what generation metadata each image holds, as recall parameters. */
export function inspectCommand(): Command {
  return new Command('inspect')
    .description('Show the generation metadata of PNG, JPEG and WebP images, mapped to recall parameters')
    .argument('<files...>', 'image files')
    .option('--json', 'print one JSON document: a list of {file, status, source, parameters, model_refs, unmapped, error}')
    .option('--nearest-scheduler', "map a sampler whose sigma schedule InvokeAI lacks to its plain scheduler (e.g. Euler a + Karras → euler_a)")
    .action(async (files: string[], opts: InspectOptions) => {
      process.exitCode = await runInspect(files, opts, (text) => process.stdout.write(text));
    });
}
