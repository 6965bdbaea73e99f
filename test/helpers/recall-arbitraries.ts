import fc from 'fast-check';
import { CONTROL_MODES, IMAGE_INFLUENCES, IP_ADAPTER_METHODS, LIMITS, RECALL_FIELDS } from '../../src/shared/recall.js';
import { SCHEDULER_NAMES } from '../../src/shared/schedulers.js';

/*
 * fast-check arbitraries for recall bodies: valid ones drawn from the contract's bounds, and
 * invalid ones that break exactly one rule, so a test knows which field the 400 must name.
 */

/** Text with the characters that trip parsers and encoders: controls, NUL, bidi marks, emoji, lone surrogates. */
export const oddText = (maxLength = 60): fc.Arbitrary<string> =>
  fc.string({
    maxLength,
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u0007', '\n', '\r\n', '\t', '"', '\\', '\u2028', '\u2029', '\u202e', '\ufeff', '\u200b') },
      { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udfff', '\ud83d\ude00', '\u0301', '\uffff', '</script>', "'; DROP TABLE client_state; --") },
    ),
  });

const imageName = fc
  .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 })
  // eslint-disable-next-line no-control-regex -- control characters are exactly what the name rule refuses
  .map((s) => `${s.replace(/[/\\:%.\s\u0000-\u001f\u007f]/g, '_')}.png`);
const modelName = fc.oneof(oddText(80).filter((s) => s.length > 0), fc.uuid());
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const range = fc.tuple(unit, unit).map(([a, b]) => (a <= b ? [a, b] : [b, a]));

const lora = fc.record(
  { model_name: modelName, weight: fc.double({ min: -10, max: 10, noNaN: true }), is_enabled: fc.boolean() },
  { requiredKeys: ['model_name'] },
);
const controlLayer = fc
  .record(
    {
      model_name: modelName,
      image_name: fc.oneof(imageName, fc.constant(null)),
      weight: fc.double({ min: -1, max: 2, noNaN: true }),
      steps: range,
      control_mode: fc.oneof(fc.constantFrom(...CONTROL_MODES), fc.constant(null)),
    },
    { requiredKeys: ['model_name', 'steps'] },
  )
  .map(({ steps, ...rest }) => ({ ...rest, begin_step_percent: steps[0], end_step_percent: steps[1] }));
const ipAdapter = fc
  .record(
    {
      model_name: modelName,
      image_name: imageName,
      weight: fc.double({ min: -1, max: 2, noNaN: true }),
      steps: range,
      method: fc.constantFrom(...IP_ADAPTER_METHODS),
      image_influence: fc.constantFrom(...IMAGE_INFLUENCES),
    },
    { requiredKeys: ['model_name', 'steps'] },
  )
  .map(({ steps, ...rest }) => ({ ...rest, begin_step_percent: steps[0], end_step_percent: steps[1] }));

const int = (b: { min: number; max: number }) => fc.integer(b);

/** Every field with a value the contract accepts (or null, which means "not given"). */
export const VALID_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  positive_prompt: oddText(300),
  negative_prompt: oddText(100),
  model: modelName,
  refiner_model: modelName,
  vae_model: modelName,
  scheduler: fc.constantFrom(...SCHEDULER_NAMES),
  steps: int(LIMITS.steps),
  refiner_steps: int(LIMITS.refinerSteps),
  cfg_scale: fc.double({ ...LIMITS.cfgScale, noNaN: true }),
  cfg_rescale_multiplier: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  refiner_cfg_scale: fc.double({ ...LIMITS.cfgScale, noNaN: true }),
  guidance: fc.double({ ...LIMITS.guidance, noNaN: true }),
  width: int(LIMITS.size),
  height: int(LIMITS.size),
  seed: int(LIMITS.seed),
  denoise_strength: unit,
  refiner_denoise_start: unit,
  clip_skip: int(LIMITS.clipSkip),
  seamless_x: fc.boolean(),
  seamless_y: fc.boolean(),
  refiner_positive_aesthetic_score: fc.double({ ...LIMITS.aestheticScore, noNaN: true }),
  refiner_negative_aesthetic_score: fc.double({ ...LIMITS.aestheticScore, noNaN: true }),
  loras: fc.array(lora, { maxLength: 4 }),
  control_layers: fc.array(controlLayer, { maxLength: 3 }),
  ip_adapters: fc.array(ipAdapter, { maxLength: 3 }),
  reference_images: fc.array(fc.record({ image_name: imageName }), { maxLength: 3 }),
};
if (Object.keys(VALID_FIELDS).sort().join() !== [...RECALL_FIELDS].sort().join()) {
  throw new Error('VALID_FIELDS must cover every recall field of the contract');
}

/** A valid body: any subset of fields, each valid or null. */
export const validBody: fc.Arbitrary<Record<string, unknown>> = fc.record(
  Object.fromEntries(Object.entries(VALID_FIELDS).map(([k, a]) => [k, fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) })])),
  { requiredKeys: [] },
);

/** A body with every field set, each request different (for the concurrency test). */
export const fullBody: fc.Arbitrary<Record<string, unknown>> = fc.record(VALID_FIELDS);

/** Values no field accepts, whatever its type. */
const wrongForEveryField = fc.oneof(
  fc.constant({}),
  fc.constant([[[]]]),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }),
);

/** For each field, values of the wrong type or outside its bounds. */
const WRONG: Record<string, fc.Arbitrary<unknown>> = {
  positive_prompt: fc.oneof(fc.integer(), fc.boolean(), fc.constant('x'.repeat(LIMITS.promptChars + 1))),
  // NaN and ±Infinity become null in JSON, which is valid: finite numbers only.
  negative_prompt: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(['a'])),
  model: fc.oneof(fc.constant(''), fc.constant('m'.repeat(LIMITS.modelNameChars + 1)), fc.integer()),
  refiner_model: fc.oneof(fc.constant(''), fc.boolean()),
  vae_model: fc.oneof(fc.constant(''), fc.integer()),
  scheduler: fc.oneof(fc.constantFrom('euler_b', 'EULER', 'ddim ', ''), fc.integer()),
  steps: fc.oneof(fc.constantFrom(0, -1, 1001, 1.5, 1e21), fc.constant('20')),
  refiner_steps: fc.constantFrom(-1, 1001, 0.5, '3'),
  cfg_scale: fc.constantFrom(-0.1, 200.5, 1e308, '7.5'),
  cfg_rescale_multiplier: fc.constantFrom(1, -0.5, 2),
  refiner_cfg_scale: fc.constantFrom(-1, 201, true),
  guidance: fc.constantFrom(-1, 100.01, 'high'),
  width: fc.oneof(fc.integer({ min: -1000, max: 63 }), fc.integer({ min: 16385, max: 2 ** 40 }), fc.constant(512.5)),
  height: fc.constantFrom(63, 0, 16385, 768.25, '768'),
  seed: fc.oneof(fc.constantFrom(-1, 4_294_967_296, 1.5, 2 ** 53 + 2), fc.constant('42')),
  denoise_strength: fc.constantFrom(-0.01, 1.01, 'full'),
  refiner_denoise_start: fc.constantFrom(2, -1),
  clip_skip: fc.constantFrom(-1, 25, 1.5),
  seamless_x: fc.constantFrom('true', 1, 0),
  seamless_y: fc.constantFrom('false', 'yes'),
  refiner_positive_aesthetic_score: fc.constantFrom(-1, 10.5),
  refiner_negative_aesthetic_score: fc.constantFrom(11, '6'),
  loras: fc.oneof(
    fc.constant([{}]),
    fc.constant([{ model_name: 'x', weight: 11 }]),
    fc.constant([{ model_name: 'x', is_enabled: 'yes' }]),
    fc.constant([{ model_name: 'x', extra: 1 }]),
    fc.constant(Array.from({ length: LIMITS.loras + 1 }, () => ({ model_name: 'x' }))),
    fc.constant('add-detail-xl'),
  ),
  control_layers: fc.oneof(
    fc.constant([{ model_name: 'c', begin_step_percent: 0.9, end_step_percent: 0.1 }]),
    fc.constant([{ model_name: 'c', control_mode: 'strong' }]),
    fc.constant([{ model_name: 'c', image_name: '../outside.png' }]),
    fc.constant([{ model_name: 'c', weight: 2.5 }]),
  ),
  ip_adapters: fc.oneof(
    fc.constant([{ model_name: 'i', method: 'all' }]),
    fc.constant([{ model_name: 'i', image_influence: 'max' }]),
    fc.constant([{ model_name: 'i', image_name: 'a/b.png' }]),
    fc.constant([{ image_name: 'x.png' }]),
  ),
  reference_images: fc.oneof(
    fc.constant([{}]),
    fc.constant([{ image_name: '' }]),
    fc.constant([{ image_name: '/etc/passwd' }]),
    fc.constant([{ image_name: 'x.png', weight: 1 }]),
    fc.constant(Array.from({ length: LIMITS.referenceImages + 1 }, (_, i) => ({ image_name: `${i}.png` }))),
  ),
};

export interface InvalidBody {
  text: string;
  /** The field the 400 must name (loc[1]); null when only the body as a whole is wrong. */
  field: string | null;
}

/** Nested arrays `depth` deep, as raw JSON text (too deep for a generator to build as values). */
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A body that breaks one rule, with the field it breaks. */
export const invalidBody: fc.Arbitrary<InvalidBody> = fc.oneof(
  // One field of a valid body made wrong.
  {
    weight: 12,
    arbitrary: fc
      .tuple(validBody, fc.constantFrom(...Object.keys(WRONG)), fc.boolean())
      .chain(([body, field, anyType]) =>
        (anyType ? wrongForEveryField : WRONG[field]!).map((value) => ({ text: JSON.stringify({ ...body, [field]: value }), field })),
      ),
  },
  // An unknown key.
  {
    weight: 4,
    arbitrary: fc
      .tuple(validBody, fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(RECALL_FIELDS as readonly string[]).includes(k) && k !== '__proto__'))
      .map(([body, key]) => ({ text: JSON.stringify({ ...body, [key]: 1 }), field: key })),
  },
  // Deep nesting, in a list field and under an unknown key.
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 5000 }).map((depth) => ({ text: `{"loras": ${deepArray(depth)}}`, field: 'loras' })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 50, max: 2000 }).map((depth) => ({ text: `{"seed": 1, "x": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`, field: 'x' })),
  },
  // Bodies that are not a JSON object at all, or not JSON.
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('[]', '"seed"', '42', 'null', 'true', '{', '{"seed": 1,}', '{"seed": 01}', "{'seed': 1}", '{"seed": NaN}', '{"seed": 1e400}', '\u0000', '{"seed": 1} {}')
      .map((text) => ({ text, field: text.includes('1e400') ? 'seed' : null })),
  },
  // Prototype pollution attempts.
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": {"polluted": true}}}').map((text) => ({ text, field: null })),
  },
);
