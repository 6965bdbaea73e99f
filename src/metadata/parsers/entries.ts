import { isRecord, parseJsonObject } from '../text.js';

/** Entries by the names tools give them in PNG text chunks, whatever container they came from. */
export type Entries = Readonly<Record<string, string>>;

/** Keys that, found in a JSON UserComment, mean it is a PNG's text chunks carried over to EXIF. */
const CHUNK_KEYS = new Set([
  'parameters',
  'prompt',
  'workflow',
  'Comment',
  'Description',
  'Software',
  'Source',
  'Title',
  'invokeai_metadata',
  'invokeai_graph',
  'generation_data',
  'smproj',
  'parameters-json',
  'sd-metadata',
  'Dream',
  'fooocus_scheme',
]);

/** The parameter line of an A1111 infotext. */
const INFOTEXT = /(^|[\n,] ?)Steps: \d+(,|\s*$)/m;

/** "Prompt: {...}" / "Workflow: {...}" in an EXIF text tag (ComfyUI's WebP and JPEG savers). */
const LABELLED_JSON = /^([A-Za-z][\w -]{0,40}):\s*([[{][\s\S]*)$/;

function addIfAbsent(out: Record<string, string>, key: string, value: string): void {
  if (!Object.hasOwn(out, key)) out[key] = value;
}

/** A comment holding text: JSON of chunks is spread out, SwarmUI JSON and plain text are `parameters`. */
function isChunkMap(json: Record<string, unknown>): boolean {
  if ('sui_image_params' in json || !Object.keys(json).some((k) => CHUNK_KEYS.has(k))) return false;
  // Chunk texts are strings (or JSON documents); a tool's own record (Fooocus) has numbers and a plain-text prompt.
  if (!Object.values(json).every((v) => typeof v === 'string' || isRecord(v) || Array.isArray(v))) return false;
  const prompt = json.prompt;
  return prompt === undefined || isRecord(prompt) || (typeof prompt === 'string' && prompt.trimStart().startsWith('{'));
}

function spreadComment(out: Record<string, string>, text: string): void {
  const json = parseJsonObject(text);
  if (json && isChunkMap(json)) {
    for (const [k, v] of Object.entries(json)) {
      if (typeof v === 'string') addIfAbsent(out, k, v);
      else if (isRecord(v) || Array.isArray(v)) addIfAbsent(out, k, JSON.stringify(v));
    }
    return;
  }
  addIfAbsent(out, 'parameters', text);
}

/**
 * Brings the metadata of JPEG and WebP files (EXIF, XMP, COM) under the key names the same tools
 * use in PNG, so each parser looks in one place. The raw entries stay as they are, beside.
 */
export function normalizeEntries(raw: Entries): Entries {
  const out: Record<string, string> = { ...raw };
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith('exif:') || key === 'exif:UserComment') continue;
    const m = LABELLED_JSON.exec(value);
    if (m && m[1] && m[2]) {
      const label = m[1].toLowerCase() === 'prompt' || m[1].toLowerCase() === 'workflow' ? m[1].toLowerCase() : m[1];
      addIfAbsent(out, label, m[2]);
    }
  }
  const userComment = raw['exif:UserComment'];
  if (userComment !== undefined) spreadComment(out, userComment);
  const com = raw['jpeg:COM'];
  if (com !== undefined) spreadComment(out, com);
  // Fooocus writes its scheme into MakerNote and its name into Software (its get_exif).
  const software = raw['exif:Software'];
  if (software?.startsWith('Fooocus') && raw['exif:MakerNote']) addIfAbsent(out, 'fooocus_scheme', raw['exif:MakerNote']);
  if (software !== undefined) addIfAbsent(out, 'Software', software);
  // Other places tools put an A1111 infotext, taken only when the text is one.
  for (const key of ['exif:XPComment', 'exif:ImageDescription', 'xmp:parameters', 'xmp:dc:description']) {
    const text = raw[key];
    if (text !== undefined && INFOTEXT.test(text)) addIfAbsent(out, 'parameters', text);
  }
  return out;
}
