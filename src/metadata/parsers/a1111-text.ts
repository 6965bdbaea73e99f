/**
 * The AUTOMATIC1111 "infotext": prompt lines, an optional "Negative prompt:" section, and a last
 * line of "Key: value" pairs separated by commas. A value is written bare, in JSON quotes when it
 * holds commas or colons, or (by several extensions) as raw JSON such as `Hashes: {...}`.
 */

export interface A1111Text {
  prompt: string;
  negativePrompt?: string;
  params: Map<string, string>;
}

const KEY = /(\w[\w \-/+.()]*?):[ \t]*/y;

/** Index just past the JSON string that opens at `start` (a quote), or the end of the text. */
function endOfString(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return s.length;
}

/** Index just past the JSON object or array that opens at `start`, or the end of the text. */
function endOfBracketed(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '"') i = endOfString(s, i) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return s.length;
}

function unquote(raw: string): string {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'string' ? v : raw;
  } catch {
    return raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined);
  }
}

/** "Steps: 20, Sampler: Euler a, Lora hashes: \"a: 1, b: 2\"" → ordered key/value pairs. */
export function parseParamPairs(line: string): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ',' || line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length) break;
    KEY.lastIndex = i;
    const m = KEY.exec(line);
    if (!m || !m[1]) {
      // Not a pair: skip to the next separator.
      const next = line.indexOf(',', i);
      i = next < 0 ? line.length : next + 1;
      continue;
    }
    i = KEY.lastIndex;
    let value: string;
    if (line[i] === '"') {
      const end = endOfString(line, i);
      value = unquote(line.slice(i, end));
      i = end;
    } else if (line[i] === '{' || line[i] === '[') {
      const end = endOfBracketed(line, i);
      value = line.slice(i, end);
      i = end;
    } else {
      const next = line.indexOf(',', i);
      const end = next < 0 ? line.length : next;
      value = line.slice(i, end).trim();
      i = end;
    }
    pairs.push([m[1].trim(), value]);
  }
  return pairs;
}

const NEGATIVE = 'Negative prompt:';

/** Splits an infotext into prompt, negative prompt and parameters; undefined if it has no parameter line. */
export function parseA1111Text(text: string): A1111Text | undefined {
  const lines = text.replace(/\0+$/, '').split(/\r?\n/);
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] ?? '').trim() === '') last--;
  if (last < 0) return undefined;
  const pairs = parseParamPairs(lines[last] ?? '');
  // A1111's own rule: the last line is the parameter line when it holds at least three pairs.
  if (pairs.length < 3 || !pairs.some(([k]) => k === 'Steps' || k === 'Sampler' || k === 'Seed')) return undefined;
  const body = lines.slice(0, last);
  const negAt = body.findIndex((l) => l.trimStart().startsWith(NEGATIVE));
  const promptLines = negAt < 0 ? body : body.slice(0, negAt);
  const result: A1111Text = { prompt: promptLines.join('\n').trim(), params: new Map() };
  if (negAt >= 0) {
    const first = (body[negAt] ?? '').trimStart().slice(NEGATIVE.length);
    result.negativePrompt = [first, ...body.slice(negAt + 1)].join('\n').trim();
  }
  for (const [k, v] of pairs) if (!result.params.has(k)) result.params.set(k, v);
  return result;
}

export interface PromptLora {
  name: string;
  weight: number;
}

/** `<lora:name:0.8>` (and LyCORIS' `<lyco:...>`) tags: read them and take them out of the prompt. */
export function extractPromptLoras(prompt: string): { prompt: string; loras: PromptLora[] } {
  const loras: PromptLora[] = [];
  const stripped = prompt.replace(/<(?:lora|lyco):([^:<>]+)(?::([^:<>]*))?(?::[^<>]*)?>/gi, (_all, name: string, weight?: string) => {
    const w = weight === undefined || weight.trim() === '' ? 1 : Number(weight);
    loras.push({ name: name.trim(), weight: Number.isFinite(w) ? w : 1 });
    return '';
  });
  if (loras.length === 0) return { prompt, loras };
  // Tidy what the tags leave behind: doubled commas and blanks, separators at the start of a line.
  const tidy = stripped
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').replace(/ ,/g, ',').replace(/,( ?,)+/g, ',').replace(/^ ?, ?/, '').trimEnd())
    .join('\n')
    .trim();
  return { prompt: tidy, loras };
}
