/**
 * InvokeAI metadata in the shapes its versions write (3.x, 5.x canvas, 6.x reference images, 2.x
 * sd-metadata and Dream), for the shapes the fixture images lack: LoRAs, control adapters, control
 * layers and reference images. Field names and nesting follow InvokeAI's own writers.
 */

const h = (c: string) => c.repeat(64);
const id = (name: string, base: string, type: string, hashChar: string) => ({ key: `${name}-key`, hash: `blake3:${h(hashChar)}`, name, base, type });

export const INVOKEAI_V3 = {
  generation_mode: 'txt2img',
  positive_prompt: 'a lighthouse at dusk, oil painting',
  negative_prompt: 'blurry, lowres',
  width: 768,
  height: 512,
  seed: 123456,
  rand_device: 'cpu',
  cfg_scale: 7.5,
  steps: 30,
  scheduler: 'dpmpp_2m_k',
  clip_skip: 0,
  model: { model_name: 'stable-diffusion-v1-5', base_model: 'sd-1', model_type: 'main' },
  vae: { model_name: 'sd-vae-ft-mse', base_model: 'sd-1' },
  loras: [{ lora: { model_name: 'add_detail', base_model: 'sd-1' }, weight: 0.6 }],
  controlnets: [
    {
      image: { image_name: 'canny_source.png' },
      processed_image: { image_name: 'canny_processed.png' },
      control_model: { model_name: 'control_v11p_sd15_canny', base_model: 'sd-1' },
      control_weight: 0.8,
      begin_step_percent: 0,
      end_step_percent: 0.75,
      control_mode: 'more_control',
      resize_mode: 'just_resize',
    },
  ],
  ipAdapters: [
    {
      image: { image_name: 'face.png' },
      ip_adapter_model: { model_name: 'ip_adapter_plus_face_sd15', base_model: 'sd-1' },
      weight: 0.5,
      begin_step_percent: 0,
      end_step_percent: 1,
    },
  ],
  t2iAdapters: [
    {
      image: { image_name: 'depth.png' },
      t2i_adapter_model: { model_name: 't2iadapter_depth_sd15v2', base_model: 'sd-1' },
      weight: 0.9,
      begin_step_percent: 0.1,
      end_step_percent: 0.9,
      resize_mode: 'just_resize',
    },
  ],
  app_version: '3.6.2',
};

export const INVOKEAI_V5_CANVAS = {
  generation_mode: 'sdxl_txt2img',
  positive_prompt: 'a red fox in snow',
  negative_prompt: '',
  width: 1024,
  height: 1024,
  seed: 42,
  cfg_scale: 6,
  cfg_rescale_multiplier: 0,
  steps: 35,
  scheduler: 'euler_a',
  seamless_x: true,
  seamless_y: false,
  model: id('Juggernaut XL v9', 'sdxl', 'main', 'a'),
  vae: id('sdxl-vae-fp16-fix', 'sdxl', 'vae', 'b'),
  refiner_model: id('sdxl-refiner-1.0', 'sdxl-refiner', 'main', 'c'),
  refiner_steps: 12,
  refiner_cfg_scale: 6.5,
  refiner_scheduler: 'euler',
  refiner_positive_aesthetic_score: 6,
  refiner_negative_aesthetic_score: 2.5,
  refiner_start: 0.8,
  loras: [
    { model: id('add-detail-xl', 'sdxl', 'lora', 'd'), weight: 0.8 },
    { model: id('sdxl_offset_example', 'sdxl', 'lora', 'e'), weight: -1.5 },
  ],
  canvas_v2_metadata: {
    controlLayers: [
      {
        id: 'control_layer_a',
        name: null,
        type: 'control_layer',
        isEnabled: true,
        isLocked: false,
        opacity: 1,
        position: { x: 0, y: 0 },
        objects: [{ id: 'image_a', type: 'image', image: { image_name: 'depth_map.png', width: 1024, height: 1024 } }],
        withTransparencyEffect: true,
        controlAdapter: { type: 'controlnet', model: id('controlnet-depth-sdxl-1.0', 'sdxl', 'controlnet', 'f'), weight: 0.75, beginEndStepPct: [0, 0.7], controlMode: 'balanced' },
      },
      {
        id: 'control_layer_b',
        name: 'hidden',
        type: 'control_layer',
        isEnabled: false,
        isLocked: false,
        opacity: 1,
        position: { x: 0, y: 0 },
        objects: [],
        withTransparencyEffect: true,
        controlAdapter: { type: 't2i_adapter', model: id('t2i-sketch-sdxl', 'sdxl', 't2i_adapter', '1'), weight: 1, beginEndStepPct: [0, 1] },
      },
      {
        id: 'control_layer_c',
        name: null,
        type: 'control_layer',
        isEnabled: true,
        isLocked: false,
        opacity: 1,
        position: { x: 0, y: 0 },
        objects: [{ id: 'image_c', type: 'image', image: { image_name: 'pose.png', width: 1024, height: 1024 } }],
        withTransparencyEffect: true,
        controlAdapter: { type: 'controlnet', model: id('controlnet-openpose-sdxl', 'sdxl', 'controlnet', '2'), weight: 1.2, beginEndStepPct: [0.1, 1], controlMode: 'unbalanced' },
      },
    ],
    referenceImages: {
      entities: [
        {
          id: 'reference_image_a',
          isEnabled: true,
          ipAdapter: {
            type: 'ip_adapter',
            image: { image_name: 'style_ref.png', width: 512, height: 512 },
            model: id('ip-adapter-plus_sdxl_vit-h', 'sdxl', 'ip_adapter', '3'),
            weight: 0.6,
            beginEndStepPct: [0, 1],
            method: 'style',
            clipVisionModel: 'ViT-H',
          },
        },
      ],
    },
    rasterLayers: [],
    inpaintMasks: [],
    regionalGuidance: [{ id: 'rg', objects: [] }],
  },
  app_version: '5.6.0',
};

export const INVOKEAI_V6_REF_IMAGES = {
  generation_mode: 'flux_txt2img',
  positive_prompt: 'a glass teapot on a wooden table',
  width: 1024,
  height: 768,
  seed: 987654321,
  steps: 28,
  guidance: 3.5,
  scheduler: 'euler',
  model: id('FLUX Dev (Quantized)', 'flux', 'main', '4'),
  loras: [{ model: id('flux-realism', 'flux', 'lora', '5'), weight: 1 }],
  ref_images: [
    {
      id: 'ref_a',
      isEnabled: true,
      config: {
        type: 'flux_redux',
        image: { original: { image: { image_name: 'redux_source.png', width: 1024, height: 1024 } } },
        model: id('FLUX Redux', 'flux', 'flux_redux', '6'),
        imageInfluence: 'medium',
      },
    },
    {
      id: 'ref_b',
      isEnabled: true,
      config: {
        type: 'ip_adapter',
        image: {
          original: { image: { image_name: 'uncropped.png', width: 2048, height: 2048 } },
          crop: { box: { x: 10, y: 10, width: 500, height: 500 }, ratio: null, image: { image_name: 'cropped.png', width: 500, height: 500 } },
        },
        model: id('XLabs FLUX IP-Adapter', 'flux', 'ip_adapter', '7'),
        weight: 0.7,
        beginEndStepPct: [0.1, 0.9],
        method: 'style_precise',
        clipVisionModel: 'ViT-L',
      },
    },
    { id: 'ref_c', isEnabled: true, config: { type: 'flux_kontext_reference_image', image: { image_name: 'kontext_ref.png', width: 1024, height: 768 }, model: null } },
    { id: 'ref_d', isEnabled: false, config: { type: 'flux2_reference_image', image: { image_name: 'disabled.png', width: 8, height: 8 } } },
  ],
  app_version: '6.9.0',
};

export const INVOKEAI_SD_METADATA = {
  model: 'stable diffusion',
  model_weights: 'stable-diffusion-1.5',
  model_hash: 'cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516',
  app_id: 'invoke-ai/InvokeAI',
  app_version: '2.2.4',
  image: {
    prompt: [{ prompt: 'a cozy cabin in the woods [people, blurry]', weight: 1 }],
    steps: 50,
    cfg_scale: 7.5,
    threshold: 0,
    perlin: 0,
    height: 512,
    width: 640,
    seed: 2134556,
    seamless: false,
    hires_fix: false,
    type: 'txt2img',
    postprocessing: null,
    sampler: 'k_euler_a',
    variations: [],
  },
};

export const INVOKEAI_DREAM = '"a cozy cabin [people] \\"at night\\"" -s 40 -S 3357757885 -W 512 -H 768 -C 7.5 -A k_lms -G 0.8';
