import { describe, expect, it } from 'vitest';
import { LIST_FIELDS, RECALL_FIELDS, SCALAR_FIELDS, zRecallParameters, zRecallQuery } from './recall.js';

describe('the recall request schema', () => {
  it('has the spec\'s 26 fields: 22 scalars and 4 lists', () => {
    expect(SCALAR_FIELDS).toHaveLength(22);
    expect(LIST_FIELDS).toEqual(['loras', 'control_layers', 'ip_adapters', 'reference_images']);
    expect(RECALL_FIELDS).toHaveLength(26);
  });

  it('applies the spec\'s defaults to list entries', () => {
    const p = zRecallParameters.parse({
      loras: [{ model_name: 'l' }],
      control_layers: [{ model_name: 'c' }],
      ip_adapters: [{ model_name: 'i' }],
    });
    expect(p.loras![0]).toEqual({ model_name: 'l', weight: 0.75, is_enabled: true });
    expect(p.control_layers![0]).toEqual({ model_name: 'c', weight: 1, begin_step_percent: 0, end_step_percent: 1 });
    expect(p.ip_adapters![0]).toEqual({ model_name: 'i', weight: 1, begin_step_percent: 0, end_step_percent: 1, method: 'full' });
  });

  it('accepts a step range that starts where it ends', () => {
    expect(zRecallParameters.safeParse({ control_layers: [{ model_name: 'c', begin_step_percent: 0.5, end_step_percent: 0.5 }] }).success).toBe(true);
  });

  it.each(['example.png', 'my_control_image_20240110.jpg', 'かわいい 猫 (1).webp'])('accepts the bare image name %j', (image_name) => {
    expect(zRecallParameters.safeParse({ reference_images: [{ image_name }] }).success).toBe(true);
  });

  it.each(['outputs/images/example.png', '/full/path/to/example.png', '..', 'a\\b.png', 'x%2F.png', ' lead.png', 'c:x.png', `${'a'.repeat(252)}.png`])(
    'refuses the image name %j',
    (image_name) => {
      expect(zRecallParameters.safeParse({ reference_images: [{ image_name }] }).success).toBe(false);
    },
  );

  it('reads query flags from strings and refuses both at once', () => {
    expect(zRecallQuery.parse({ strict: 'true' })).toEqual({ strict: true, append: false });
    expect(zRecallQuery.parse({ append: '1' })).toEqual({ strict: false, append: true });
    expect(zRecallQuery.safeParse({ strict: 'true', append: 'true' }).success).toBe(false);
  });
});
