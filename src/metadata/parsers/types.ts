import type { MetadataSource } from '../../shared/metadata.js';
import type { RecallBuilder } from './builder.js';
import type { Entries } from './entries.js';

/**
 * One tool's parser. It looks for that tool's distinctive entries and, only when they are there and
 * readable, writes what it reads into `out` and names the tool; otherwise it answers undefined
 * without touching `out`, so the next parser can try.
 */
export type ToolParser = (entries: Entries, out: RecallBuilder) => MetadataSource | undefined;
