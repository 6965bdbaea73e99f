import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/shared/models.js';
import { writeSpecFixtures } from '../helpers/fixtures.js';
import { getJson, postJson } from '../helpers/http.js';
import { startApp, type InProcessServer } from '../helpers/server.js';
import { listen, type QueueListener } from '../helpers/socket.js';
import { SPEC_EXAMPLES } from '../helpers/spec-examples.js';

let srv: InProcessServer;
let client: QueueListener;
let keys: Map<string, ModelConfig>;

beforeAll(async () => {
  const { makeTempRoot } = await import('../helpers/server.js');
  const root = makeTempRoot();
  await writeSpecFixtures(root);
  srv = await startApp({ root });
  const { body } = await getJson(`${srv.url}/api/v2/models/`);
  keys = new Map((body.models as ModelConfig[]).map((m) => [m.name, m]));
  client = await listen(srv.url, 'default');
});
afterAll(async () => {
  client?.close();
  await srv?.close();
});

const key = (name: string) => keys.get(name)!.key;
const post = (body: string) => postJson(`${srv.url}/api/v1/recall/default`, body);

describe('the spec\'s curl examples, sent verbatim', () => {
  it('registers every model the examples name', () => {
    expect([...keys.keys()].sort()).toEqual(
      [
        'FLUX Schnell',
        'FLUX.2 Klein',
        'add-detail-xl',
        'controlnet-canny-sdxl-1.0',
        'controlnet-depth-sdxl-1.0',
        'ip-adapter-plus-face_sd15',
        'sd-1.5',
        'sd_xl_offset_example-lora_1.0',
      ].sort(),
    );
    expect(keys.get('controlnet-canny-sdxl-1.0')).toMatchObject({ type: 'controlnet', base: 'sdxl' });
    expect(keys.get('FLUX.2 Klein')).toMatchObject({ type: 'main', base: 'flux2' });
  });

  it('core parameters: stores 4, resolves the model to its key, and broadcasts the same payload', async () => {
    const res = await post(SPEC_EXAMPLES.core);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'success',
      queue_id: 'default',
      updated_count: 4,
      parameters: { positive_prompt: 'a cyberpunk city at night', negative_prompt: 'dark, unclear', model: key('sd-1.5'), steps: 30 },
      warnings: [],
      broadcast: 'delivered',
    });
    const event = await client.next();
    expect(event).toMatchObject({ queue_id: 'default', user_id: 'system', revision: res.body.revision, parameters: res.body.parameters });
    expect(Number.isInteger(event.timestamp)).toBe(true);
    expect(Math.abs(event.timestamp - Date.now() / 1000)).toBeLessThan(5);
  });

  it('just the seed: stores one value and broadcasts only it', async () => {
    const res = await post(SPEC_EXAMPLES.seed);
    expect(res.body).toMatchObject({ status: 'success', updated_count: 1, parameters: { seed: 99999 } });
    expect(Object.keys(res.body.parameters)).toEqual(['seed']);
    expect((await client.next()).parameters).toEqual({ seed: 99999 });
  });

  it('LoRAs only: resolves both, keeps request order, applies the default weight and enabled flag', async () => {
    const res = await post(SPEC_EXAMPLES.loras);
    expect(res.body.updated_count).toBe(1);
    expect(res.body.parameters.loras).toEqual([
      { model_key: key('add-detail-xl'), model_name: 'add-detail-xl', model_type: 'lora', model_base: 'sdxl', weight: 0.8, is_enabled: true },
      {
        model_key: key('sd_xl_offset_example-lora_1.0'),
        model_name: 'sd_xl_offset_example-lora_1.0',
        model_type: 'lora',
        model_base: 'sdxl',
        weight: 0.5,
        is_enabled: true,
      },
    ]);
    expect((await client.next()).parameters).toEqual(res.body.parameters);
  });

  it('control layers with an image: the entry carries the image size and every setting', async () => {
    const res = await post(SPEC_EXAMPLES.controlLayers);
    expect(res.body.parameters.control_layers).toEqual([
      {
        model_key: key('controlnet-canny-sdxl-1.0'),
        model_name: 'controlnet-canny-sdxl-1.0',
        model_type: 'controlnet',
        model_base: 'sdxl',
        weight: 0.75,
        begin_step_percent: 0,
        end_step_percent: 0.8,
        control_mode: 'balanced',
        image: { image_name: 'my_control_image.png', width: 1024, height: 1024 },
      },
    ]);
    expect((await client.next()).parameters).toEqual(res.body.parameters);
  });

  it('IP adapters with a reference image: resolved with method, weight and image', async () => {
    const res = await post(SPEC_EXAMPLES.ipAdapters);
    expect(res.body.parameters.ip_adapters).toEqual([
      {
        model_key: key('ip-adapter-plus-face_sd15'),
        model_name: 'ip-adapter-plus-face_sd15',
        model_type: 'ip_adapter',
        model_base: 'sd-1',
        weight: 0.7,
        begin_step_percent: 0,
        end_step_percent: 1,
        method: 'composition',
        image: { image_name: 'reference_face.png', width: 512, height: 512 },
      },
    ]);
    expect((await client.next()).parameters).toEqual(res.body.parameters);
  });

  it('model-free reference images: the main model and the measured image', async () => {
    const res = await post(SPEC_EXAMPLES.referenceImages);
    expect(res.body).toMatchObject({
      updated_count: 2,
      parameters: {
        model: key('FLUX.2 Klein'),
        reference_images: [{ image: { image_name: 'style_reference.png', width: 1024, height: 1024 } }],
      },
    });
    expect((await client.next()).parameters).toEqual(res.body.parameters);
  });

  it('complete configuration: 11 values stored, everything resolved, no warnings', async () => {
    const res = await post(SPEC_EXAMPLES.complete);
    expect(res.body).toMatchObject({
      status: 'success',
      updated_count: 11,
      warnings: [],
      parameters: {
        positive_prompt: 'masterpiece, detailed photo with specific style',
        negative_prompt: 'blurry, low quality',
        model: key('FLUX Schnell'),
        steps: 25,
        cfg_scale: 8,
        width: 1024,
        height: 768,
        seed: 42,
        loras: [{ model_key: key('add-detail-xl'), weight: 0.6, is_enabled: true }],
        control_layers: [
          {
            model_key: key('controlnet-depth-sdxl-1.0'),
            weight: 1,
            end_step_percent: 0.7,
            image: { image_name: 'depth_map.png', width: 1024, height: 768 },
          },
        ],
        ip_adapters: [
          {
            model_key: key('ip-adapter-plus-face_sd15'),
            weight: 0.5,
            method: 'style',
            image: { image_name: 'style_reference.png', width: 1024, height: 1024 },
          },
        ],
      },
    });
    const event = await client.next();
    expect(event.parameters).toEqual(res.body.parameters);
    expect(event.revision).toBe(res.body.revision);
  });

  it('the Python, JavaScript and endpoint examples answer success with their counts', async () => {
    for (const [body, count] of [
      [SPEC_EXAMPLES.python, 5],
      [SPEC_EXAMPLES.javascript, 5],
      [SPEC_EXAMPLES.endpoint, 8],
    ] as const) {
      const res = await post(body);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('success');
      expect(res.body.updated_count).toBe(count);
      expect((await client.next()).parameters).toEqual(res.body.parameters);
    }
  });

  it('revisions count up by one per recall, and GET returns the merged stored state', async () => {
    const state = await getJson(`${srv.url}/api/v1/recall/default`);
    expect(state.status).toBe(200);
    expect(state.body.revision).toBe(client.events.length);
    const revisions = client.events.map((e) => e.revision);
    expect(revisions).toEqual(revisions.map((_, i) => i + 1));
    // The last writes win field by field: the endpoint example set these last.
    expect(state.body.stored).toMatchObject({ positive_prompt: 'a beautiful landscape', model: 'sd-1.5', steps: 20, seed: 12345 });
    expect(state.body.parameters.model).toBe(key('sd-1.5'));
    // Lists stay as the last recall that named them left them.
    expect(state.body.parameters.loras).toHaveLength(1);
    expect(state.body.parameters.reference_images).toHaveLength(1);
  });

  it('writes the spec\'s backend log lines', () => {
    const msgs = srv.logs().map((l) => l.msg);
    expect(msgs).toContain(`Resolved ControlNet model name 'controlnet-canny-sdxl-1.0' to key '${key('controlnet-canny-sdxl-1.0')}'`);
    expect(msgs).toContain('Found image file: depth_map.png (1024x768)');
    expect(msgs).toContain('Updated 11 recall parameters for queue default');
    for (const line of ['Resolved 1 LoRA(s)', 'Resolved 1 control layer(s)', 'Resolved 1 IP adapter(s)', 'Resolved 1 reference image(s)']) {
      expect(msgs).toContain(line);
    }
    expect(msgs.some((m) => /^POST \/api\/v1\/recall\/default 200 [\d.]+ms$/.test(m))).toBe(true);
  });
});
