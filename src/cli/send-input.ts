import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RecallClient } from '../client/index.js';
import { isMetadataReadError, parseImageMetadata } from '../metadata/index.js';
import type { MetadataSource } from '../shared/metadata.js';
import { zRecallParameters, type RecallParametersInput } from '../shared/recall.js';

/** One input of `recall send`, turned into a recall body; `source` says which tool wrote an image. */
export interface PreparedRecall {
  body: RecallParametersInput;
  source: MetadataSource | null;
  uploaded: string[];
}

/** An input that cannot be sent; the message names the file and the reason. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

const IMAGE_LISTS = ['control_layers', 'ip_adapters', 'reference_images'] as const;

/** A JSON body: valid against the recall schema, so mistakes show here rather than as a server's 400. */
function checkBody(label: string, value: unknown): RecallParametersInput {
  const parsed = zRecallParameters.safeParse(value);
  if (parsed.success) return value as RecallParametersInput;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new InputError(`${label} is not a valid recall body: ${issues.join('; ')}`);
}

function parseJson(label: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${label} is not valid JSON: ${(err as Error).message}`);
  }
}

async function fromImage(file: string, bytes: Uint8Array, remix: boolean): Promise<{ body: RecallParametersInput; source: MetadataSource }> {
  let metadata;
  try {
    metadata = await parseImageMetadata(bytes);
  } catch (err) {
    if (isMetadataReadError(err)) throw new InputError(`cannot read ${file}: ${err.message}`);
    throw err;
  }
  if (metadata.status === 'none') throw new InputError(`no generation metadata found in ${file}`);
  const body = { ...metadata.parameters };
  if (remix) delete body.seed;
  return { body, source: metadata.source };
}

/**
 * Images the body names that the server lacks are uploaded from beside the input file, when there,
 * and the entry then names the upload (InvokeAI stores uploads under new names). `uploads` caches
 * uploads across inputs of one run.
 */
async function uploadReferencedImages(
  body: RecallParametersInput,
  dir: string | null,
  client: RecallClient,
  uploads: Map<string, Promise<string>>,
): Promise<string[]> {
  const uploaded: string[] = [];
  if (!dir) return uploaded;
  for (const field of IMAGE_LISTS) {
    for (const entry of (body[field] ?? []) as { image_name?: string | null }[]) {
      const name = entry.image_name;
      if (!name || path.basename(name) !== name) continue;
      const local = path.join(dir, name);
      const exists = await fsp.stat(local).then((s) => s.isFile(), () => false);
      if (!exists) continue;
      let pending = uploads.get(local);
      if (!pending) {
        pending = (async () => {
          if (await client.imageExists(name)) return name;
          const record = await client.uploadImage(await fsp.readFile(local), name);
          uploaded.push(`${name} → ${record.image_name}`);
          return record.image_name;
        })();
        uploads.set(local, pending);
      }
      entry.image_name = await pending;
    }
  }
  return uploaded;
}

/**
 * Builds the recall body of one input: inline JSON (`{...}`), a .json file, or an image whose
 * metadata is read here, locally, so the send works against any InvokeAI-compatible server.
 */
export async function prepareRecall(
  input: string,
  options: { remix: boolean; client: RecallClient; uploads: Map<string, Promise<string>> },
): Promise<PreparedRecall> {
  if (input.trimStart().startsWith('{')) {
    const body = checkBody('the JSON argument', parseJson('the JSON argument', input));
    if (options.remix) delete body.seed;
    return { body, source: null, uploaded: [] };
  }
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(input);
  } catch (err) {
    throw new InputError(`cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const isJson = path.extname(input).toLowerCase() === '.json' || bytes.subarray(0, 64).toString('utf8').trimStart().startsWith('{');
  const prepared = isJson
    ? { body: checkBody(input, parseJson(input, bytes.toString('utf8'))), source: null }
    : await fromImage(input, bytes, options.remix);
  if (options.remix) delete prepared.body.seed;
  const uploaded = await uploadReferencedImages(prepared.body, path.dirname(input), options.client, options.uploads);
  return { ...prepared, uploaded };
}
