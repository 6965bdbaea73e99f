import { describe, expect, it } from 'vitest';
import { zImageMetadata } from '../../shared/metadata.js';
import { interpretMetadata } from './index.js';

/** Inputs shaped to make naive code quadratic or unbounded: each must finish in seconds, not minutes. */
function timed(entries: Record<string, string>) {
  const started = performance.now();
  const r = interpretMetadata({ format: 'png', width: 8, height: 8, entries });
  expect(performance.now() - started).toBeLessThan(3000);
  expect(zImageMetadata.safeParse(r).success).toBe(true);
  return r;
}

describe('pathological metadata', () => {
  it('an A1111 prompt of megabytes of blanks and unclosed LoRA tags', () => {
    const prompt = `${' '.repeat(2_000_000)}<lora:${'a'.repeat(1_000_000)}${' <lora:x'.repeat(50_000)}`;
    timed({ parameters: `${prompt}\nSteps: 1, Sampler: Euler, Seed: 1` });
  });

  it('a parameter line of a million commas and one of a million unclosed quotes', () => {
    timed({ parameters: `p\nSteps: 1, Sampler: Euler, Seed: 1${', x'.repeat(300_000)}` });
    timed({ parameters: `p\nSteps: 1, Sampler: Euler, Seed: 1, A: "${'\\"'.repeat(300_000)}` });
  });

  it('a ComfyUI chain of 100,000 nodes and a node with 50,000 inputs', () => {
    const graph: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) graph[`n${i}`] = { class_type: 'LoraLoader', inputs: { model: [`n${i + 1}`, 0], lora_name: `l${i}` } };
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) wide[`in${i}`] = [`n${i}`, 0];
    graph.wide = { class_type: 'Merge', inputs: wide };
    graph.k = { class_type: 'KSampler', inputs: { model: ['n0', 0], positive: ['wide', 0], negative: ['wide', 0], latent_image: ['wide', 0], seed: 1, steps: 1, cfg: 1 } };
    graph.save = { class_type: 'SaveImage', inputs: { images: ['k', 0] } };
    for (let i = 0; i < 2_000; i++) graph[`s${i}`] = { class_type: 'KSampler', inputs: { latent_image: ['wide', 0], positive: ['wide', 0], seed: i } };
    const r = timed({ prompt: JSON.stringify(graph) });
    expect(r).toMatchObject({ status: 'found', parameters: { seed: 1 } });
  });

  it('an InvokeAI graph with 100,000 edges', () => {
    const nodes: Record<string, unknown> = { meta: { id: 'meta', type: 'core_metadata', positive_prompt: null, seed: null } };
    const edges = [];
    for (let i = 0; i < 100_000; i++) {
      nodes[`v${i}`] = { id: `v${i}`, type: 'integer', value: null };
      edges.push({ source: { node_id: `v${i + 1}`, field: 'value' }, destination: { node_id: `v${i}`, field: 'value' } });
    }
    edges.push({ source: { node_id: 'v0', field: 'value' }, destination: { node_id: 'meta', field: 'seed' } });
    timed({ invokeai_graph: JSON.stringify({ nodes, edges }) });
  });
});
