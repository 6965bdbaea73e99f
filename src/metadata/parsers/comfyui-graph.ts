import { LIMITS } from '../limits.js';
import { isRecord, parseJsonObject } from '../text.js';

/**
 * ComfyUI's API "prompt": nodes by id, each `{class_type, inputs}`, an input being a value or a link
 * `[source node id, output index]`. These helpers walk it upstream; every walk shares one step
 * budget, so a cyclic or enormous graph costs a bounded amount of work.
 */
export interface ComfyNode {
  id: string;
  classType: string;
  inputs: Record<string, unknown>;
}

export type Link = [string | number, number];

export const isLink = (v: unknown): v is Link =>
  Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'number';

export class ComfyGraph {
  private steps = 0;
  private constructor(readonly nodes: ReadonlyMap<string, ComfyNode>) {}

  /** The graph in a `prompt` entry, or undefined if the text is not one. */
  static parse(text: string | undefined): ComfyGraph | undefined {
    return ComfyGraph.fromPrompt(parseJsonObject(text));
  }

  /** The graph of an API prompt object (as parsed, or as made from a UI workflow). */
  static fromPrompt(json: Record<string, unknown> | undefined): ComfyGraph | undefined {
    if (!json) return undefined;
    const nodes = new Map<string, ComfyNode>();
    for (const [id, node] of Object.entries(json)) {
      if (isRecord(node) && typeof node.class_type === 'string' && isRecord(node.inputs)) {
        nodes.set(id, { id, classType: node.class_type, inputs: node.inputs });
      }
    }
    return nodes.size > 0 ? new ComfyGraph(nodes) : undefined;
  }

  /** The node a link points to, while the step budget lasts. */
  follow(v: unknown): ComfyNode | undefined {
    if (!isLink(v) || ++this.steps > LIMITS.graphSteps) return undefined;
    return this.nodes.get(String(v[0]));
  }

  /** Link inputs of a node, in their written order. */
  static links(node: ComfyNode): [string, Link][] {
    return Object.entries(node.inputs).filter((e): e is [string, Link] => isLink(e[1]));
  }

  /**
   * Nodes upstream of `start` (breadth-first, nearest first) for which `match` holds; the search does
   * not continue past a match.
   */
  findUpstream(start: unknown, match: (n: ComfyNode) => boolean, skipInputs: ReadonlySet<string> = new Set()): ComfyNode[] {
    const found: ComfyNode[] = [];
    const seen = new Set<string>();
    const queue: unknown[] = [start];
    for (let head = 0; head < queue.length && this.steps <= LIMITS.graphSteps; head++) {
      const node = this.follow(queue[head]);
      if (!node || seen.has(node.id)) continue;
      seen.add(node.id);
      if (match(node)) {
        found.push(node);
        continue;
      }
      for (const [name, link] of ComfyGraph.links(node)) {
        if (!skipInputs.has(name) && queue.length - head < LIMITS.graphSteps) queue.push(link);
      }
    }
    return found;
  }

  /**
   * A number or string input, following links into primitive, seed and string nodes (which hold the
   * value in an input of their own) and through single-input pass-through nodes such as reroutes.
   */
  value(v: unknown, names: readonly string[] = VALUE_INPUTS, depth = 0): number | string | undefined {
    if (typeof v === 'number' || typeof v === 'string') return v;
    const node = this.follow(v);
    if (!node || depth > 16) return undefined;
    for (const name of names) {
      const own = node.inputs[name];
      if (typeof own === 'number' || typeof own === 'string') return own;
    }
    const links = ComfyGraph.links(node);
    return links.length === 1 ? this.value(links[0]?.[1], names, depth + 1) : undefined;
  }

  /** Prompt text: a string input, or the text a string-producing node resolves to (joining concatenations). */
  text(v: unknown, depth = 0): string | undefined {
    if (typeof v === 'string') return v;
    const node = this.follow(v);
    if (!node || depth > 16) return undefined;
    for (const name of TEXT_INPUTS) {
      const own = node.inputs[name];
      if (typeof own === 'string') return own;
    }
    const links = ComfyGraph.links(node);
    if (/concat|join|combine/i.test(node.classType) && links.length > 1) {
      const sep = typeof node.inputs.delimiter === 'string' ? node.inputs.delimiter : typeof node.inputs.separator === 'string' ? node.inputs.separator : ' ';
      const parts = links.map(([, l]) => this.text(l, depth + 1)).filter((t): t is string => t !== undefined);
      return parts.length > 0 ? parts.join(sep) : undefined;
    }
    for (const name of TEXT_INPUTS) if (isLink(node.inputs[name])) return this.text(node.inputs[name], depth + 1);
    return links.length === 1 ? this.text(links[0]?.[1], depth + 1) : undefined;
  }
}

const VALUE_INPUTS = ['value', 'seed', 'noise_seed', 'int', 'float', 'number', 'Value', 'text', 'string'] as const;
/** Where string nodes keep their text; a wildcard processor's resolved text before its template. */
const TEXT_INPUTS = ['populated_text', 'text', 'string', 'value', 'prompt', 'Text', 'STRING', 'text_g', 't5xxl', 'wildcard_text'] as const;

/** A sampling node: it takes a latent and a conditioning or guider (KSampler, SamplerCustom, ...). */
export const isSampler = (n: ComfyNode): boolean =>
  /sampler/i.test(n.classType) && 'latent_image' in n.inputs && ('positive' in n.inputs || 'guider' in n.inputs);

/** Nodes that save or show the final image. */
export const isOutput = (n: ComfyNode): boolean => /save|preview/i.test(n.classType) && isLink(n.inputs.images);
