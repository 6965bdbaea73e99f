import type { ImageMetadataResponse, MetadataSource, MetadataTool } from '../../../shared/metadata.js';
import { schedulerLabel } from '../params/scheduler-label.js';

/** How each tool names itself. */
const TOOL_LABELS: Record<MetadataTool, string> = {
  invokeai: 'InvokeAI',
  automatic1111: 'AUTOMATIC1111',
  forge: 'Forge',
  sdnext: 'SD.Next',
  comfyui: 'ComfyUI',
  novelai: 'NovelAI',
  fooocus: 'Fooocus',
  ruinedfooocus: 'RuinedFooocus',
  swarmui: 'SwarmUI',
  'stability-matrix': 'Stability Matrix',
  tensorart: 'TensorArt',
  drawthings: 'Draw Things',
  civitai: 'Civitai',
};

/** "InvokeAI 5.6.0", or the tool alone when the image does not say its version. */
export const sourceLabel = (s: MetadataSource): string => (s.version ? `${TOOL_LABELS[s.tool]} ${s.version}` : TOOL_LABELS[s.tool]);

type Found = Extract<ImageMetadataResponse, { status: 'found' }>;
type Parameters = Found['parameters'];

/** One line of the gallery's metadata view. */
export interface MetadataRow {
  label: string;
  value: string;
}

export interface MetadataSections {
  source: string;
  positivePrompt: string | null;
  negativePrompt: string | null;
  /** Models, sampling and size, in the order InvokeAI's panel shows them; only what the image gives. */
  settings: MetadataRow[];
  refiner: MetadataRow[];
  loras: string[];
  controlLayers: string[];
  /** IP adapters and FLUX Redux, then model-free reference images. */
  referenceImages: string[];
  /** Models the image names by hash too, so a model named differently here still matches. */
  modelHashes: string[];
  /** What the image says that has no recall field, as key and text. */
  unmapped: MetadataRow[];
}

const pct = (v: number) => `${Math.round(v * 100)}%`;
const num = (v: number) => String(Number(v.toFixed(4)));
/** Long values (a whole ComfyUI graph) are cut, so one entry cannot swamp the view. */
const UNMAPPED_MAX_CHARS = 400;

function text(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > UNMAPPED_MAX_CHARS ? `${s.slice(0, UNMAPPED_MAX_CHARS)}…` : s;
}

function settingsOf(p: Parameters): MetadataRow[] {
  const rows: MetadataRow[] = [];
  const add = (label: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined) rows.push({ label, value });
  };
  const n = (v: number | null | undefined) => (v === null || v === undefined ? undefined : num(v));
  add('Model', p.model);
  add('VAE', p.vae_model);
  add('Scheduler', p.scheduler ? schedulerLabel(p.scheduler) : undefined);
  add('Steps', n(p.steps));
  add('CFG scale', n(p.cfg_scale));
  add('CFG rescale', n(p.cfg_rescale_multiplier));
  add('Guidance', n(p.guidance));
  add('Seed', n(p.seed));
  if (p.width && p.height) add('Size', `${p.width} × ${p.height}`);
  else {
    add('Width', n(p.width));
    add('Height', n(p.height));
  }
  add('Denoise strength', n(p.denoise_strength));
  add('CLIP skip', n(p.clip_skip));
  const seamless = [p.seamless_x && 'X', p.seamless_y && 'Y'].filter(Boolean);
  if (seamless.length) add('Seamless', seamless.join(' and '));
  return rows;
}

function refinerOf(p: Parameters): MetadataRow[] {
  const rows: MetadataRow[] = [];
  const add = (label: string, v: string | number | null | undefined) => {
    if (v !== null && v !== undefined) rows.push({ label, value: typeof v === 'number' ? num(v) : v });
  };
  add('Refiner model', p.refiner_model);
  add('Refiner steps', p.refiner_steps);
  add('Refiner CFG scale', p.refiner_cfg_scale);
  add('Positive aesthetic score', p.refiner_positive_aesthetic_score);
  add('Negative aesthetic score', p.refiner_negative_aesthetic_score);
  add('Refiner denoise start', p.refiner_denoise_start);
  return rows;
}

const imageOf = (e: { image_name?: string | null | undefined; image_url?: string | null | undefined }) => e.image_name ?? e.image_url ?? 'no image';
const steps = (e: { begin_step_percent: number; end_step_percent: number }) => `steps ${pct(e.begin_step_percent)}–${pct(e.end_step_percent)}`;
const CONTROL_MODE_LABELS = { balanced: 'balanced', more_prompt: 'prompt first', more_control: 'control first' } as const;

/** Turns what the server read from an image into the sections the gallery shows. */
export function describeMetadata(m: Found): MetadataSections {
  const p = m.parameters;
  return {
    source: sourceLabel(m.source),
    positivePrompt: p.positive_prompt ?? null,
    negativePrompt: p.negative_prompt ?? null,
    settings: settingsOf(p),
    refiner: refinerOf(p),
    loras: (p.loras ?? []).map((l) => `${l.model_name} · weight ${num(l.weight)}${l.is_enabled ? '' : ' · off'}`),
    controlLayers: (p.control_layers ?? []).map((c) =>
      [c.model_name, `weight ${num(c.weight)}`, steps(c), c.control_mode ? CONTROL_MODE_LABELS[c.control_mode] : null, imageOf(c)].filter(Boolean).join(' · '),
    ),
    referenceImages: [
      ...(p.ip_adapters ?? []).map((a) =>
        [a.model_name, `weight ${num(a.weight)}`, steps(a), a.image_influence ? `influence ${a.image_influence}` : `method ${a.method}`, imageOf(a)].join(' · '),
      ),
      ...(p.reference_images ?? []).map((r) => `${imageOf(r)} (no adapter model)`),
    ],
    modelHashes: m.model_refs.map((r) => `${r.name} · ${r.algorithm} ${r.hash.length > 12 ? `${r.hash.slice(0, 12)}…` : r.hash}`),
    unmapped: Object.entries(m.unmapped).map(([label, v]) => ({ label, value: text(v) })),
  };
}

/** "1.2 MB": a file size for people. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
