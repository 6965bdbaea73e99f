import { parseJsonObject } from '../text.js';
import { readInvokeGraph } from './invokeai-graph.js';
import { parseDream, parseSdMetadata } from './invokeai-legacy.js';
import { mapInvokeMetadata } from './invokeai-metadata.js';
import type { ToolParser } from './types.js';

const versionOf = (meta: Record<string, unknown> | undefined): string | null =>
  typeof meta?.app_version === 'string' ? meta.app_version : null;

/** InvokeAI: `invokeai_metadata`, else the `invokeai_graph` it ran, else the 2.x `sd-metadata` and `Dream` forms. */
export const parseInvokeAi: ToolParser = (entries, out) => {
  const meta = parseJsonObject(entries.invokeai_metadata);
  if (meta) {
    mapInvokeMetadata(meta, out);
    return { tool: 'invokeai', version: versionOf(meta) };
  }
  const graph = parseJsonObject(entries.invokeai_graph);
  if (graph && readInvokeGraph(graph, out)) return { tool: 'invokeai', version: null };
  const legacy = parseJsonObject(entries['sd-metadata']);
  if (legacy && parseSdMetadata(legacy, out)) return { tool: 'invokeai', version: typeof legacy.app_version === 'string' ? legacy.app_version : null };
  if (entries.Dream !== undefined && parseDream(entries.Dream, out)) return { tool: 'invokeai', version: null };
  return undefined;
};
