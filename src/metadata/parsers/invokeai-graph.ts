import { LIMITS } from '../limits.js';
import { isRecord } from '../text.js';
import type { RecallBuilder } from './builder.js';
import { mapInvokeMetadata } from './invokeai-metadata.js';

/**
 * InvokeAI's `invokeai_graph`: nodes plus edges `{source: {node_id, field}, destination: {node_id,
 * field}}`. A field left null on a node is fed by an edge, so values are read through the edges.
 */
interface Edge {
  from: { node: string; field: string };
  to: { node: string; field: string };
}

type Node = Record<string, unknown>;

function edgesOf(v: unknown): Edge[] {
  if (!Array.isArray(v)) return [];
  const edges: Edge[] = [];
  for (const e of v) {
    if (!isRecord(e) || !isRecord(e.source) || !isRecord(e.destination)) continue;
    const { node_id: fn, field: ff } = e.source;
    const { node_id: tn, field: tf } = e.destination;
    if (typeof fn === 'string' && typeof ff === 'string' && typeof tn === 'string' && typeof tf === 'string') {
      edges.push({ from: { node: fn, field: ff }, to: { node: tn, field: tf } });
    }
  }
  return edges;
}

function nodesOf(v: unknown): Map<string, Node> {
  const nodes = new Map<string, Node>();
  const list = Array.isArray(v) ? v : isRecord(v) ? Object.values(v) : [];
  for (const n of list) if (isRecord(n) && typeof n.id === 'string') nodes.set(n.id, n);
  return nodes;
}

class InvokeGraph {
  private steps = 0;
  /** Edges by destination "node\u0000field", so each lookup is one map access. */
  private readonly into = new Map<string, Edge[]>();

  constructor(
    readonly nodes: Map<string, Node>,
    readonly edges: Edge[],
  ) {
    for (const e of edges) {
      const key = `${e.to.node}\u0000${e.to.field}`;
      const list = this.into.get(key);
      if (list) list.push(e);
      else this.into.set(key, [e]);
    }
  }

  private edgesInto(node: string, field: string): Edge[] {
    return this.into.get(`${node}\u0000${field}`) ?? [];
  }

  /** A node's field, or the value the edge into it carries from upstream. */
  field(nodeId: string, field: string, depth = 0): unknown {
    const own = this.nodes.get(nodeId)?.[field];
    if (own !== null && own !== undefined) return own;
    if (depth > 16 || ++this.steps > LIMITS.graphSteps) return undefined;
    const edge = this.edgesInto(nodeId, field)[0];
    return edge ? this.field(edge.from.node, edge.from.field, depth + 1) : undefined;
  }

  /** Nodes upstream of a node's input, through collect nodes. */
  sources(nodeId: string, field: string): string[] {
    const out: string[] = [];
    for (const e of this.edgesInto(nodeId, field)) {
      if (++this.steps > LIMITS.graphSteps) break;
      if (this.nodes.get(e.from.node)?.type === 'collect') out.push(...this.edgesInto(e.from.node, 'item').map((x) => x.from.node));
      else out.push(e.from.node);
    }
    return out;
  }

  ofType(pattern: RegExp): [string, Node][] {
    return [...this.nodes].filter(([, n]) => typeof n.type === 'string' && pattern.test(n.type));
  }
}

/** Reads the graph's metadata node (v4+ core_metadata, v3 metadata_accumulator) with its fields resolved. */
function metadataNode(g: InvokeGraph): Record<string, unknown> | undefined {
  const found = g.ofType(/^(core_metadata|metadata_accumulator)$/)[0];
  if (!found) return undefined;
  const [id, node] = found;
  const resolved: Record<string, unknown> = {};
  for (const key of Object.keys(node)) resolved[key] = g.field(id, key);
  for (const e of g.edges) if (e.to.node === id && !(e.to.field in resolved)) resolved[e.to.field] = g.field(id, e.to.field);
  return resolved;
}

/** Without a metadata node: the denoise node's settings, its noise, model and prompt nodes. */
function fromDenoiseNode(g: InvokeGraph): Record<string, unknown> | undefined {
  const found = g.ofType(/denoise/)[0];
  if (!found) return undefined;
  const [id] = found;
  const meta: Record<string, unknown> = {
    steps: g.field(id, 'steps'),
    cfg_scale: g.field(id, 'cfg_scale'),
    scheduler: g.field(id, 'scheduler'),
    guidance: g.field(id, 'guidance'),
  };
  const noise = g.sources(id, 'noise')[0];
  if (noise) {
    meta.seed = g.field(noise, 'seed');
    meta.width = g.field(noise, 'width');
    meta.height = g.field(noise, 'height');
  }
  const prompt = (field: string) => {
    const src = g.sources(id, field)[0];
    return src ? g.field(src, 'prompt') : undefined;
  };
  meta.positive_prompt = prompt('positive_conditioning') ?? prompt('positive_text_conditioning');
  meta.negative_prompt = prompt('negative_conditioning') ?? prompt('negative_text_conditioning');
  const loader = g.ofType(/model_loader$/)[0];
  if (loader) meta.model = loader[1].model;
  return meta;
}

/** Maps an InvokeAI graph; false (and nothing written) when it holds neither a metadata nor a denoise node. */
export function readInvokeGraph(json: Record<string, unknown>, out: RecallBuilder): boolean {
  const g = new InvokeGraph(nodesOf(json.nodes), edgesOf(json.edges));
  const meta = metadataNode(g) ?? fromDenoiseNode(g);
  if (!meta) return false;
  for (const k of ['id', 'type', 'is_intermediate', 'use_cache']) delete meta[k];
  mapInvokeMetadata(meta, out);
  out.keep('source', 'invokeai_graph (no invokeai_metadata in the image)');
  return true;
}
