import { MetadataReadError } from '../errors.js';
import { LIMITS } from '../limits.js';

/**
 * Collects an image's text entries under the size budget. A repeated key keeps the first value and
 * stores the next ones as "key#2", "key#3" so nothing is silently lost.
 */
export class EntrySink {
  readonly entries: Record<string, string> = {};
  private count = 0;
  private totalChars = 0;

  add(key: string, value: string): void {
    if (this.count >= LIMITS.entries) return;
    // A JS string of n UTF-16 units holds at most 3n bytes of UTF-8; length is the cheap bound here.
    if (value.length > LIMITS.entryBytes) {
      throw new MetadataReadError('TOO_LARGE', `metadata entry "${key}" is larger than ${LIMITS.entryBytes} bytes`);
    }
    this.totalChars += value.length;
    if (this.totalChars > LIMITS.totalTextBytes) {
      throw new MetadataReadError('TOO_LARGE', `metadata text is larger than ${LIMITS.totalTextBytes} bytes in total`);
    }
    let name = key;
    for (let n = 2; Object.hasOwn(this.entries, name); n++) name = `${key}#${n}`;
    this.entries[name] = value;
    this.count++;
  }
}
