import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson } from '../helpers/http.js';
import { startApp, type InProcessServer } from '../helpers/server.js';
import { listen, settle, type QueueListener } from '../helpers/socket.js';

let srv: InProcessServer;
let client: QueueListener;
let before: any;

beforeAll(async () => {
  srv = await startApp();
  await postJson(`${srv.url}/api/v1/recall/default`, { positive_prompt: 'kept', steps: 12, loras: [] });
  before = (await getJson(`${srv.url}/api/v1/recall/default`)).body;
  client = await listen(srv.url, 'default');
});
afterAll(async () => {
  client?.close();
  await srv?.close();
});

const long = 'x'.repeat(100_001);
const lora = (extra: object) => ({ loras: [{ model_name: 'l', ...extra }] });
const control = (extra: object) => ({ control_layers: [{ model_name: 'c', ...extra }] });
const ip = (extra: object) => ({ ip_adapters: [{ model_name: 'i', ...extra }] });

/** [what, body, expected loc, expected type] — one failing case per rule. */
const CASES: [string, unknown, (string | number)[], string][] = [
  ['a non-string prompt', { positive_prompt: 5 }, ['body', 'positive_prompt'], 'string_type'],
  ['an over-long negative prompt', { negative_prompt: long }, ['body', 'negative_prompt'], 'too_long'],
  ['an empty model name', { model: '' }, ['body', 'model'], 'too_short'],
  ['a non-string refiner model', { refiner_model: 1 }, ['body', 'refiner_model'], 'string_type'],
  ['an over-long VAE name', { vae_model: 'v'.repeat(513) }, ['body', 'vae_model'], 'too_long'],
  ['an unknown scheduler', { scheduler: 'DPM++ 2M Karras' }, ['body', 'scheduler'], 'enum'],
  ['steps below 1', { steps: 0 }, ['body', 'steps'], 'greater_than_equal'],
  ['fractional steps', { steps: 2.5 }, ['body', 'steps'], 'int_type'],
  ['steps above 1000', { steps: 1001 }, ['body', 'steps'], 'less_than_equal'],
  ['negative refiner steps', { refiner_steps: -1 }, ['body', 'refiner_steps'], 'greater_than_equal'],
  ['a string CFG scale', { cfg_scale: '7' }, ['body', 'cfg_scale'], 'number_type'],
  ['a CFG scale above 200', { cfg_scale: 201 }, ['body', 'cfg_scale'], 'less_than_equal'],
  ['a CFG rescale of 1', { cfg_rescale_multiplier: 1 }, ['body', 'cfg_rescale_multiplier'], 'less_than'],
  ['a negative refiner CFG', { refiner_cfg_scale: -0.5 }, ['body', 'refiner_cfg_scale'], 'greater_than_equal'],
  ['a guidance above 100', { guidance: 101 }, ['body', 'guidance'], 'less_than_equal'],
  ['a width below 64', { width: 63 }, ['body', 'width'], 'greater_than_equal'],
  ['a height above 16384', { height: 16385 }, ['body', 'height'], 'less_than_equal'],
  ['a negative seed', { seed: -1 }, ['body', 'seed'], 'greater_than_equal'],
  ['a seed past 2^32-1', { seed: 4294967296 }, ['body', 'seed'], 'less_than_equal'],
  ['a denoise strength above 1', { denoise_strength: 1.01 }, ['body', 'denoise_strength'], 'less_than_equal'],
  ['a negative refiner denoise start', { refiner_denoise_start: -0.1 }, ['body', 'refiner_denoise_start'], 'greater_than_equal'],
  ['a negative clip skip', { clip_skip: -1 }, ['body', 'clip_skip'], 'greater_than_equal'],
  ['a string seamless_x', { seamless_x: 'yes' }, ['body', 'seamless_x'], 'boolean_type'],
  ['a numeric seamless_y', { seamless_y: 1 }, ['body', 'seamless_y'], 'boolean_type'],
  ['a positive aesthetic score above 10', { refiner_positive_aesthetic_score: 11 }, ['body', 'refiner_positive_aesthetic_score'], 'less_than_equal'],
  ['a negative aesthetic score below 0', { refiner_negative_aesthetic_score: -1 }, ['body', 'refiner_negative_aesthetic_score'], 'greater_than_equal'],
  ['an unknown top-level field', { prompt: 'x' }, ['body', 'prompt'], 'extra_forbidden'],
  ['loras that is not a list', { loras: { model_name: 'l' } }, ['body', 'loras'], 'array_type'],
  ['a LoRA without a model name', { loras: [{ weight: 1 }] }, ['body', 'loras', 0, 'model_name'], 'string_type'],
  ['a LoRA weight above 10', lora({ weight: 10.5 }), ['body', 'loras', 0, 'weight'], 'less_than_equal'],
  ['a LoRA weight below -10', lora({ weight: -11 }), ['body', 'loras', 0, 'weight'], 'greater_than_equal'],
  ['a string is_enabled', lora({ is_enabled: 'true' }), ['body', 'loras', 0, 'is_enabled'], 'boolean_type'],
  ['an unknown LoRA field', lora({ strength: 1 }), ['body', 'loras', 0, 'strength'], 'extra_forbidden'],
  ['more than 100 LoRAs', { loras: Array.from({ length: 101 }, () => ({ model_name: 'l' })) }, ['body', 'loras'], 'too_long'],
  ['a control weight above 2', control({ weight: 2.5 }), ['body', 'control_layers', 0, 'weight'], 'less_than_equal'],
  ['a control weight below -1', control({ weight: -1.5 }), ['body', 'control_layers', 0, 'weight'], 'greater_than_equal'],
  ['a begin step above 1', control({ begin_step_percent: 1.2 }), ['body', 'control_layers', 0, 'begin_step_percent'], 'less_than_equal'],
  ['an end step below 0', control({ end_step_percent: -0.2 }), ['body', 'control_layers', 0, 'end_step_percent'], 'greater_than_equal'],
  ['a begin step after the end step', control({ begin_step_percent: 0.8, end_step_percent: 0.2 }), ['body', 'control_layers', 0, 'end_step_percent'], 'value_error'],
  ['an unknown control mode', control({ control_mode: 'more_everything' }), ['body', 'control_layers', 0, 'control_mode'], 'enum'],
  ['a control image with a folder prefix', control({ image_name: 'outputs/images/example.png' }), ['body', 'control_layers', 0, 'image_name'], 'value_error'],
  ['an unknown control layer field', control({ processor: 'canny' }), ['body', 'control_layers', 0, 'processor'], 'extra_forbidden'],
  ['an IP adapter weight above 2', ip({ weight: 3 }), ['body', 'ip_adapters', 0, 'weight'], 'less_than_equal'],
  ['an unknown IP adapter method', ip({ method: 'face' }), ['body', 'ip_adapters', 0, 'method'], 'enum'],
  ['an unknown image influence', ip({ image_influence: 'max' }), ['body', 'ip_adapters', 0, 'image_influence'], 'enum'],
  ['an IP adapter begin after end', ip({ begin_step_percent: 0.9, end_step_percent: 0.1 }), ['body', 'ip_adapters', 0, 'end_step_percent'], 'value_error'],
  ['an absolute reference image path', { reference_images: [{ image_name: '/full/path/to/example.png' }] }, ['body', 'reference_images', 0, 'image_name'], 'value_error'],
  // Since issue 4 an image may come by name, URL or base64: one of them is required, so the rule is no longer the type.
  ['a reference image without a name, URL or data', { reference_images: [{}] }, ['body', 'reference_images', 0, 'image_name'], 'value_error'],
  ['a reference image with both a name and a URL', { reference_images: [{ image_name: 'a.png', image_url: 'https://example.com/a.png' }] }, ['body', 'reference_images', 0, 'image_url'], 'value_error'],
  ['a control layer with both a URL and base64', { control_layers: [{ model_name: 'c', image_url: 'https://example.com/a.png', image_base64: 'iVBORw0KGgo=' }] }, ['body', 'control_layers', 0, 'image_base64'], 'value_error'],
  ['a malformed image URL', { ip_adapters: [{ model_name: 'ip', image_url: 'not a url' }] }, ['body', 'ip_adapters', 0, 'image_url'], 'string_pattern_mismatch'],
  ['an unknown reference image field', { reference_images: [{ image_name: 'a.png', url: 'x' }] }, ['body', 'reference_images', 0, 'url'], 'extra_forbidden'],
  ['a body that is a list', [], ['body'], 'object_type'],
];

describe('POST /api/v1/recall/{queue_id} validation', () => {
  it.each(CASES)('rejects %s with a 400 naming the field, and stores nothing', async (_what, body, loc, type) => {
    const res = await postJson(`${srv.url}/api/v1/recall/default`, body as object);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('RECALL_ERR_VALIDATION');
    expect(res.body.detail).toContainEqual(expect.objectContaining({ loc, type, msg: expect.any(String) }));
  });

  it('names every bad field of one request', async () => {
    const res = await postJson(`${srv.url}/api/v1/recall/default`, { steps: 0, width: 10, seed: -5, bogus: true });
    expect(res.status).toBe(400);
    expect(res.body.detail.map((d: any) => d.loc.join('.')).sort()).toEqual(['body.bogus', 'body.seed', 'body.steps', 'body.width']);
  });

  it('rejects strict and append together', async () => {
    const res = await postJson(`${srv.url}/api/v1/recall/default?strict=true&append=true`, { seed: 1 });
    expect(res.status).toBe(400);
    expect(res.body.detail).toEqual([{ loc: ['query', 'append'], msg: 'strict and append cannot be used together', type: 'value_error' }]);
  });

  it('rejects a flag that is not a boolean', async () => {
    const res = await postJson(`${srv.url}/api/v1/recall/default?strict=maybe`, { seed: 1 });
    expect(res.status).toBe(400);
    expect(res.body.detail[0].loc).toEqual(['query', 'strict']);
  });

  it.each(['bad queue', '.hidden', 'a'.repeat(129), 'q%2Fother', 'ünicode'])('rejects the malformed queue id %j', async (q) => {
    const res = await postJson(`${srv.url}/api/v1/recall/${encodeURIComponent(q)}`, { seed: 1 });
    expect(res.status).toBe(400);
    expect(res.body.detail[0].loc).toEqual(['path', 'queue_id']);
  });

  it('rejects malformed JSON with a 400', async () => {
    const res = await fetch(`${srv.url}/api/v1/recall/default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"seed": 1' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.detail[0]).toMatchObject({ loc: ['body'], type: 'json_invalid' });
  });

  it('rejects a body that is not JSON with a 415', async () => {
    const res = await fetch(`${srv.url}/api/v1/recall/default`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'seed=1' });
    expect(res.status).toBe(415);
  });

  it('rejects a multipart body with a 415: only the upload routes take one', async () => {
    const form = new FormData();
    form.append('seed', '1');
    const res = await fetch(`${srv.url}/api/v1/recall/default`, { method: 'POST', body: form });
    expect(res.status).toBe(415);
  });

  it('after every rejection, the stored state and revision are unchanged and no event was sent', async () => {
    const after = (await getJson(`${srv.url}/api/v1/recall/default`)).body;
    expect(after.revision).toBe(before.revision);
    expect(after.stored).toEqual(before.stored);
    await settle(200);
    expect(client.events).toEqual([]);
  });

  it('answers an empty body with no_parameters_provided and broadcasts nothing', async () => {
    for (const body of ['{}', '', '{"seed": null, "loras": null}']) {
      const res = await fetch(`${srv.url}/api/v1/recall/default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'no_parameters_provided', updated_count: 0, queue_id: 'default' });
    }
    await settle(200);
    expect(client.events).toEqual([]);
    expect((await getJson(`${srv.url}/api/v1/recall/default`)).body.revision).toBe(before.revision);
  });

  it('accepts null for any field and stores only the non-null ones', async () => {
    const res = await postJson(`${srv.url}/api/v1/recall/default`, { positive_prompt: null, steps: 40, model: null });
    expect(res.body).toMatchObject({ status: 'success', updated_count: 1, parameters: { steps: 40 } });
    const state = (await getJson(`${srv.url}/api/v1/recall/default`)).body;
    expect(state.stored).toMatchObject({ positive_prompt: 'kept', steps: 40 });
    await client.next();
  });
});
