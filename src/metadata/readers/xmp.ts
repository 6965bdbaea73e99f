import { decodeXmlText } from '../text.js';
import type { EntrySink } from './entry-sink.js';

/**
 * XMP properties tools store generation metadata in: Draw Things writes its JSON into
 * exif:UserComment and an A1111-like text into dc:description; others name the tool in
 * xmp:CreatorTool or mirror the PNG `parameters` chunk. Each is kept as an entry "xmp:<name>",
 * the packet itself as "xmp".
 */
const PROPERTIES = ['dc:description', 'exif:UserComment', 'xmp:CreatorTool', 'tiff:Software'] as const;

function unwrapCdata(s: string): string {
  const t = s.trim();
  return t.startsWith('<![CDATA[') && t.endsWith(']]>') ? t.slice(9, -3) : s;
}

/** The text of the first `<tag ...>...</tag>` in `xml`, searched with indexOf so the cost stays linear. */
function elementText(xml: string, tag: string, from = 0): string | undefined {
  let start = xml.indexOf(`<${tag}`, from);
  while (start >= 0) {
    const after = xml.charAt(start + tag.length + 1);
    if (after === '>' || after === '/' || /\s/.test(after)) break;
    start = xml.indexOf(`<${tag}`, start + 1);
  }
  if (start < 0) return undefined;
  const openEnd = xml.indexOf('>', start);
  if (openEnd < 0 || xml.charAt(openEnd - 1) === '/') return undefined;
  const close = xml.indexOf(`</${tag}>`, openEnd);
  if (close < 0) return undefined;
  return xml.slice(openEnd + 1, close);
}

function attributeValue(xml: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name.replace(':', '\\:')}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(xml);
  return m ? (m[2] ?? m[3]) : undefined;
}

export function propertyValue(xml: string, name: string): string | undefined {
  const inner = elementText(xml, name);
  if (inner !== undefined) {
    // Language alternatives and sequences hold the value in their first rdf:li.
    const li = inner.includes('<rdf:li') ? elementText(inner, 'rdf:li') : inner;
    return li === undefined ? undefined : decodeXmlText(unwrapCdata(li));
  }
  const attr = attributeValue(xml, name);
  return attr === undefined ? undefined : decodeXmlText(attr);
}

export function readXmpEntries(xml: string, sink: EntrySink): void {
  sink.add('xmp', xml);
  for (const name of PROPERTIES) {
    const value = propertyValue(xml, name);
    if (value !== undefined && value.trim() !== '') sink.add(`xmp:${name}`, value);
  }
  // A "parameters" property in any namespace (extensions that mirror the PNG chunk into XMP).
  const qualified = /<([A-Za-z][\w.-]{0,40}):parameters[\s>]/.exec(xml)?.[1];
  const parameters = qualified ? propertyValue(xml, `${qualified}:parameters`) : undefined;
  if (parameters !== undefined && parameters.trim() !== '') sink.add('xmp:parameters', parameters);
}
