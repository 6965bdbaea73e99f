/* The resolver keeps what a recall looked up for later recalls naming the same models and images (issue 6). */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeImage, writeSpecFixtures } from '../../../test/helpers/fixtures.js';
import { makeTempRoot } from '../../../test/helpers/server.js';
import { SPEC_EXAMPLES } from '../../../test/helpers/spec-examples.js';
import { zStoredRecallParameters, type RecallField, type StoredRecallParameters } from '../../shared/recall.js';
import { rootPaths } from '../config.js';
import { openSqliteStore } from '../db/sqlite/sqlite-store.js';
import type { Store } from '../db/store.js';
import { ImageRepository } from '../images/repository.js';
import { ImageService } from '../images/service.js';
import { ModelService } from '../models/service.js';
import { RecallResolver } from './resolver.js';

let root: string;
let store: Store;
let models: ModelService;
let resolver: RecallResolver;
let lines: string[];

beforeEach(async () => {
  root = makeTempRoot();
  await writeSpecFixtures(root);
  const paths = rootPaths(root);
  store = openSqliteStore(paths.database);
  lines = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) });
  models = new ModelService(store.models, paths.models, log);
  await models.scan();
  lines.length = 0;
  resolver = new RecallResolver(models, new ImageService(new ImageRepository(paths.images, paths.thumbnails)), paths.images, log);
});
afterEach(async () => {
  await store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** The spec's complete configuration as the store keeps it, with another prompt and seed. */
const complete = (prompt: string, seed: number): StoredRecallParameters =>
  zStoredRecallParameters.parse({ ...JSON.parse(SPEC_EXAMPLES.complete), positive_prompt: prompt, seed });

/** The JSON of each field, as the service hands it to the resolver along with the values. */
const textsOf = (raw: StoredRecallParameters) => new Map(Object.entries(raw).map(([f, v]) => [f as RecallField, JSON.stringify(v)]));

describe('RecallResolver, lookups kept between recalls', () => {
  it('reuses the lookups of a recall naming the same models and images, with its own prompt and seed, and logs the same lines', async () => {
    const lookups = vi.spyOn(models, 'resolve');
    const first = await resolver.resolve(complete('a fox', 1));
    const firstLines = [...lines];
    expect(lookups).toHaveBeenCalledTimes(4);
    expect(firstLines).toContain('Found image file: depth_map.png (1024x768)');

    lines.length = 0;
    const second = await resolver.resolve(complete('a hare', 2));
    expect(lookups).toHaveBeenCalledTimes(4);
    expect(lines).toEqual(firstLines);
    expect(second.warnings).toEqual(first.warnings);
    expect(second.parameters).toEqual({ ...first.parameters, positive_prompt: 'a hare', seed: 2 });
    // Scalars first, in the request's order, then what was looked up, as without the kept lookup.
    expect(Object.keys(second.parameters)).toEqual(Object.keys(first.parameters));
  });

  it('keys kept lookups by the JSON the caller already made of the fields, as the store keeps it', async () => {
    const lookups = vi.spyOn(models, 'resolve');
    const raw = complete('a fox', 1);
    await resolver.resolve(raw, undefined, [], textsOf(raw));
    expect(lookups).toHaveBeenCalledTimes(4);
    // Without texts the key is made from the values: the same key.
    await resolver.resolve(complete('a hare', 2));
    expect(lookups).toHaveBeenCalledTimes(4);

    // Another weight is another text, so another lookup, whose answer carries the new weight.
    const changed = { ...raw, loras: raw.loras!.map((l) => ({ ...l, weight: 0.1 })) };
    const after = await resolver.resolve(changed, undefined, [], textsOf(changed));
    expect(lookups).toHaveBeenCalledTimes(8);
    expect(after.parameters.loras!.map((l) => l.weight)).toEqual(raw.loras!.map(() => 0.1));
  });

  it('makes the key again when the texts given are not the last ones, or do not cover every looked-up field', async () => {
    const lookups = vi.spyOn(models, 'resolve');
    const raw = complete('a fox', 1);
    // Equal texts that are other strings each time, then another main model to fall back on.
    for (let i = 0; i < 2; i++) await resolver.resolve(raw, undefined, [], textsOf(raw));
    expect(lookups).toHaveBeenCalledTimes(4);
    const { model: _model, ...withoutModel } = raw;
    const fallback = await resolver.resolve(withoutModel, 'FLUX Schnell', [], textsOf(withoutModel));
    expect(lookups).toHaveBeenCalledTimes(8);
    expect(fallback.parameters.model).toBeUndefined();

    // Texts leaving out a looked-up field, twice: that field's value counts, not the last key.
    const withWeight = (weight: number) => {
      const params = { ...raw, loras: raw.loras!.map((l) => ({ ...l, weight })) };
      const texts = textsOf(raw);
      texts.delete('loras');
      return resolver.resolve(params, undefined, [], texts);
    };
    expect((await withWeight(0.2)).parameters.loras!.map((l) => l.weight)).toEqual(raw.loras!.map(() => 0.2));
    expect((await withWeight(0.3)).parameters.loras!.map((l) => l.weight)).toEqual(raw.loras!.map(() => 0.3));
  });

  it('looks up again once a scan changed the registry', async () => {
    await resolver.resolve(complete('a fox', 1));
    const controlnet = path.join(root, 'models', 'sdxl', 'controlnet', 'controlnet-depth-sdxl-1.0.safetensors');
    expect(fs.existsSync(controlnet)).toBe(true);
    fs.rmSync(controlnet);
    await models.scan();

    const after = await resolver.resolve(complete('a fox', 1));
    expect(after.parameters.control_layers).toEqual([]);
    expect(after.warnings).toEqual([expect.objectContaining({ field: 'control_layers.0.model_name', code: 'MODEL_NOT_FOUND' })]);
  });

  it('measures an image again when its file changed, once the measurement is re-checked', async () => {
    const first = await resolver.resolve(complete('a fox', 1));
    expect(first.parameters.control_layers![0]!.image).toEqual({ image_name: 'depth_map.png', width: 1024, height: 768 });
    await writeImage(root, 'depth_map.png', 640, 480);
    // A measurement is trusted for a second, kept lookup or not.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await resolver.resolve(complete('a fox', 1));
    expect(after.parameters.control_layers![0]!.image).toEqual({ image_name: 'depth_map.png', width: 640, height: 480 });
    expect(lines).toContain('Found image file: depth_map.png (640x480)');
  });

  it('keeps nothing when an image was missing, so it is found as soon as it appears', async () => {
    const raw = zStoredRecallParameters.parse({ reference_images: [{ image_name: 'late.png' }] });
    const before = await resolver.resolve(raw);
    expect(before.warnings).toEqual([expect.objectContaining({ code: 'IMAGE_NOT_FOUND' })]);
    await writeImage(root, 'late.png', 320, 200);
    const after = await resolver.resolve(raw);
    expect(after.warnings).toEqual([]);
    expect(after.parameters.reference_images).toEqual([{ image: { image_name: 'late.png', width: 320, height: 200 } }]);
  });

  it('keeps nothing when model hashes from an image take part', async () => {
    const lookups = vi.spyOn(models, 'resolve');
    const raw = zStoredRecallParameters.parse({ loras: [{ model_name: 'add-detail-xl', weight: 0.5 }] });
    const refs = [{ field: 'loras.0.model_name', name: 'add-detail-xl', algorithm: 'unknown' as const, hash: 'abcdef012345' }];
    await resolver.resolve(raw, undefined, refs);
    await resolver.resolve(raw, undefined, refs);
    expect(lookups).toHaveBeenCalledTimes(2);
    // Without hashes, the second one reuses the first.
    await resolver.resolve(raw);
    await resolver.resolve(raw);
    expect(lookups).toHaveBeenCalledTimes(3);
  });
});
