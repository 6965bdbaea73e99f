import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zImageRecord } from '../../shared/images.js';
import { zModelList } from '../../shared/models.js';
import { zRecallNoParametersResponse, zRecallResponse, zRecallState } from '../../shared/recall.js';
import { responseSerializerCompiler } from './serializer.js';

const serializerFor = (schema: z.ZodType) => responseSerializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' } as never);

const recallAnswer = {
  status: 'success' as const,
  queue_id: 'default',
  updated_count: 3,
  parameters: {
    positive_prompt: 'a "quoted" prompt\n with \u2028 and \ud800 and 😀',
    seed: 42,
    cfg_scale: 7.25,
    loras: [{ model_key: 'k1', model_name: 'detail', model_type: 'lora' as const, model_base: 'sdxl' as const, weight: 0.6, is_enabled: true }],
    reference_images: [{ image: { image_name: 'a.png', width: 1024, height: 768 } }],
    append: true as const,
  },
  revision: 9,
  warnings: [{ field: 'model', code: 'MODEL_NOT_FOUND' as const, message: "Could not find model 'x'" }],
  broadcast: 'delivered' as const,
};

describe('responseSerializerCompiler', () => {
  it('writes what the zod contract writes, for both kinds of recall answer', () => {
    const schema = zRecallResponse.or(zRecallNoParametersResponse);
    const serialize = serializerFor(schema);
    const empty = { status: 'no_parameters_provided' as const, updated_count: 0 as const, queue_id: 'default' };
    for (const answer of [recallAnswer, empty]) {
      expect(JSON.parse(serialize(answer))).toEqual(JSON.parse(JSON.stringify(schema.encode(answer))));
    }
  });

  it('leaves out fields the schema does not declare, so nothing internal leaks', () => {
    const serialize = serializerFor(zRecallResponse.or(zRecallNoParametersResponse));
    const out = JSON.parse(serialize({ ...recallAnswer, internalPath: '/secret', parameters: { ...recallAnswer.parameters, debug: 1 } }));
    expect(out).not.toHaveProperty('internalPath');
    expect(out.parameters).not.toHaveProperty('debug');
  });

  it('writes state, model and image answers as the contract does', () => {
    const state = { status: 'success' as const, queue_id: 'q', revision: 0, updated_at: null, parameters: {}, stored: { seed: 1, steps: 20 }, warnings: [] };
    const model = {
      key: 'k',
      hash: null,
      hashes: { blake3: null, sha256: null, autov2: null, autov1: null, autov3: null },
      path: '/m.safetensors',
      file_size: 12,
      name: 'm',
      description: null,
      source: '/m.safetensors',
      base: 'sd-1' as const,
      type: 'main' as const,
      format: 'checkpoint' as const,
      missing: false,
      created_at: 'now',
      updated_at: 'now',
    };
    const image = {
      image_name: 'a.png',
      image_url: '/api/v1/images/i/a.png/full',
      thumbnail_url: '/api/v1/images/i/a.png/thumbnail',
      image_origin: 'internal' as const,
      image_category: 'general' as const,
      width: 1,
      height: 2,
      created_at: 'c',
      updated_at: 'u',
      deleted_at: null,
      is_intermediate: false,
      session_id: null,
      node_id: null,
      starred: false,
      has_workflow: false,
      board_id: null,
      file_size: 3,
      format: 'png',
    };
    for (const [schema, data] of [
      [zRecallState, state],
      [zModelList, { models: [model] }],
      [zImageRecord, image],
      [z.string().nullable(), null],
      [z.null(), null],
    ] as [z.ZodType, unknown][]) {
      expect(JSON.parse(serializerFor(schema)(data))).toEqual(JSON.parse(JSON.stringify(schema.encode(data))));
    }
  });
});
