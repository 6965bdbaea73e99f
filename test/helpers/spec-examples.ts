/**
 * The request bodies of the spec's usage examples (recall-parameters-api.md, "Usage Examples"),
 * exactly as the curl commands send them. Tests send them verbatim.
 */
export const SPEC_EXAMPLES = {
  core: `{
    "positive_prompt": "a cyberpunk city at night",
    "negative_prompt": "dark, unclear",
    "model": "sd-1.5",
    "steps": 30
  }`,
  seed: `{"seed": 99999}`,
  loras: `{
    "loras": [
      {"model_name": "add-detail-xl", "weight": 0.8, "is_enabled": true},
      {"model_name": "sd_xl_offset_example-lora_1.0", "weight": 0.5}
    ]
  }`,
  controlLayers: `{
    "control_layers": [
      {
        "model_name": "controlnet-canny-sdxl-1.0",
        "image_name": "my_control_image.png",
        "weight": 0.75,
        "begin_step_percent": 0.0,
        "end_step_percent": 0.8,
        "control_mode": "balanced"
      }
    ]
  }`,
  ipAdapters: `{
    "ip_adapters": [
      {
        "model_name": "ip-adapter-plus-face_sd15",
        "image_name": "reference_face.png",
        "weight": 0.7,
        "method": "composition"
      }
    ]
  }`,
  referenceImages: `{
    "model": "FLUX.2 Klein",
    "reference_images": [
      {"image_name": "style_reference.png"}
    ]
  }`,
  complete: `{
    "positive_prompt": "masterpiece, detailed photo with specific style",
    "negative_prompt": "blurry, low quality",
    "model": "FLUX Schnell",
    "steps": 25,
    "cfg_scale": 8.0,
    "width": 1024,
    "height": 768,
    "seed": 42,
    "loras": [
      {"model_name": "add-detail-xl", "weight": 0.6}
    ],
    "control_layers": [
      {
        "model_name": "controlnet-depth-sdxl-1.0",
        "image_name": "depth_map.png",
        "weight": 1.0,
        "end_step_percent": 0.7
      }
    ],
    "ip_adapters": [
      {
        "model_name": "ip-adapter-plus-face_sd15",
        "image_name": "style_reference.png",
        "weight": 0.5,
        "method": "style"
      }
    ]
  }`,
  /** The Python and JavaScript examples' bodies. */
  python: `{"positive_prompt": "a serene forest", "negative_prompt": "people, buildings", "steps": 25, "cfg_scale": 7.0, "seed": 42}`,
  javascript: `{"positive_prompt":"a beautiful sunset","steps":20,"width":768,"height":768,"seed":12345}`,
  /** The first POST example of the endpoint section. */
  endpoint: `{
  "positive_prompt": "a beautiful landscape",
  "negative_prompt": "blurry, low quality",
  "model": "sd-1.5",
  "steps": 20,
  "cfg_scale": 7.5,
  "width": 512,
  "height": 512,
  "seed": 12345
}`,
} as const;
