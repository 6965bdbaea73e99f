import type { SchedulerName } from '../../shared/schedulers.js';

/**
 * Sampler names of other tools → InvokeAI scheduler names. An InvokeAI scheduler is an algorithm
 * plus a sigma schedule (default, or Karras for the `_k` variants), so a match needs both. Where a
 * tool's algorithm has no InvokeAI counterpart (DPM++ 2S a, DPM++ 3M SDE, Restart, ...) the table
 * has no entry.
 */
export type SamplerFamily = 'a1111' | 'comfyui' | 'novelai';
/** `exact`: algorithm and schedule must match; `nearest`: the algorithm must, the schedule may differ. */
export type SchedulerMatch = 'exact' | 'nearest';

const KARRAS: Partial<Record<SchedulerName, SchedulerName>> = {
  deis: 'deis_k',
  lms: 'lms_k',
  heun: 'heun_k',
  euler: 'euler_k',
  kdpm_2: 'kdpm_2_k',
  kdpm_2_a: 'kdpm_2_a_k',
  dpmpp_2s: 'dpmpp_2s_k',
  dpmpp_2m: 'dpmpp_2m_k',
  dpmpp_2m_sde: 'dpmpp_2m_sde_k',
  dpmpp_3m: 'dpmpp_3m_k',
  dpmpp_sde: 'dpmpp_sde_k',
  unipc: 'unipc_k',
};

/** A1111, Forge, SD.Next, Civitai, Draw Things and Stability Matrix display names, lower-cased. */
const A1111: Record<string, SchedulerName> = {
  'euler a': 'euler_a',
  'euler ancestral': 'euler_a',
  euler: 'euler',
  lms: 'lms',
  heun: 'heun',
  dpm2: 'kdpm_2',
  'dpm2 a': 'kdpm_2_a',
  'dpm++ 2m': 'dpmpp_2m',
  'dpm++ sde': 'dpmpp_sde',
  'dpm sde': 'dpmpp_sde',
  'dpm++ 2m sde': 'dpmpp_2m_sde',
  'dpm++ 2m sde gpu': 'dpmpp_2m_sde',
  'dpm++ 3m': 'dpmpp_3m',
  ddim: 'ddim',
  ddpm: 'ddpm',
  plms: 'pndm',
  pndm: 'pndm',
  deis: 'deis',
  unipc: 'unipc',
  lcm: 'lcm',
  tcd: 'tcd',
  'er sde': 'er_sde',
};

/** A1111 ≥ 1.9 "Schedule type: Automatic" means each sampler's own default schedule. */
const A1111_AUTOMATIC: Record<string, string> = {
  'dpm++ 2m': 'karras',
  'dpm++ sde': 'karras',
  'dpm++ 2m sde': 'exponential',
  'dpm++ 2s a': 'karras',
  'dpm++ 3m sde': 'exponential',
  restart: 'karras',
};

const COMFYUI: Record<string, SchedulerName> = {
  euler: 'euler',
  euler_ancestral: 'euler_a',
  heun: 'heun',
  dpm_2: 'kdpm_2',
  dpm_2_ancestral: 'kdpm_2_a',
  lms: 'lms',
  dpmpp_sde: 'dpmpp_sde',
  dpmpp_sde_gpu: 'dpmpp_sde',
  dpmpp_2m: 'dpmpp_2m',
  dpmpp_2m_sde: 'dpmpp_2m_sde',
  dpmpp_2m_sde_gpu: 'dpmpp_2m_sde',
  ddpm: 'ddpm',
  ddim: 'ddim',
  lcm: 'lcm',
  deis: 'deis',
  er_sde: 'er_sde',
  uni_pc: 'unipc',
};

/** NovelAI's k-diffusion names; InvokeAI 2.x used the same ones (k_dpmpp_2 being DPM++ 2M there). */
const NOVELAI: Record<string, SchedulerName> = {
  k_euler: 'euler',
  k_euler_a: 'euler_a',
  k_euler_ancestral: 'euler_a',
  k_heun: 'heun',
  k_lms: 'lms',
  k_dpm_2: 'kdpm_2',
  k_dpm_2_a: 'kdpm_2_a',
  k_dpm_2_ancestral: 'kdpm_2_a',
  k_dpmpp_2: 'dpmpp_2m',
  k_dpmpp_2m: 'dpmpp_2m',
  k_dpmpp_sde: 'dpmpp_sde',
  k_dpmpp_2m_sde: 'dpmpp_2m_sde',
  ddim: 'ddim',
  ddim_v3: 'ddim',
  plms: 'pndm',
};

const DEFAULT_SCHEDULES = new Set(['', 'default', 'normal', 'uniform', 'native', 'automatic']);
/** Schedule words A1111-style tools append to a sampler name ("DPM++ 2M Karras"). */
const NAME_SUFFIXES = ['karras', 'exponential', 'polyexponential', 'sgm uniform', 'simple', 'beta', 'trailing', 'ays', 'substep', 'align your steps'];

export interface SamplerReading {
  scheduler?: SchedulerName;
  /** True when the schedule was dropped to find the scheduler (only with `nearest`). */
  approximate: boolean;
}

function combine(base: SchedulerName | undefined, schedule: string, match: SchedulerMatch): SamplerReading {
  if (!base) return { approximate: false };
  if (DEFAULT_SCHEDULES.has(schedule)) return { scheduler: base, approximate: false };
  if (schedule === 'karras' && KARRAS[base]) return { scheduler: KARRAS[base], approximate: false };
  return match === 'nearest' ? { scheduler: base, approximate: true } : { approximate: false };
}

/** Splits "DPM++ 2M Karras" into its algorithm and schedule. */
function splitA1111Name(name: string): { algorithm: string; schedule?: string } {
  const lower = name.trim().toLowerCase().replace(/\s+/g, ' ');
  for (const suffix of NAME_SUFFIXES) {
    if (lower.endsWith(` ${suffix}`)) return { algorithm: lower.slice(0, -suffix.length - 1), schedule: suffix };
  }
  return { algorithm: lower };
}

/**
 * Maps a sampler (and the schedule written beside it, if any) to an InvokeAI scheduler name.
 * `schedule` undefined means the tool wrote none, i.e. the sampler's plain schedule.
 */
export function mapSampler(
  family: SamplerFamily,
  sampler: string,
  schedule: string | undefined,
  match: SchedulerMatch,
): SamplerReading {
  if (family === 'comfyui') {
    return combine(COMFYUI[sampler.trim().toLowerCase()], (schedule ?? 'normal').trim().toLowerCase(), match);
  }
  if (family === 'novelai') {
    return combine(NOVELAI[sampler.trim().toLowerCase()], (schedule ?? 'native').trim().toLowerCase(), match);
  }
  const { algorithm, schedule: fromName } = splitA1111Name(sampler);
  let resolved = (schedule ?? fromName ?? 'default').trim().toLowerCase();
  if (resolved === 'automatic') resolved = fromName ?? A1111_AUTOMATIC[algorithm] ?? 'default';
  return combine(A1111[algorithm] ?? A1111[algorithm.replace(/_/g, ' ')], resolved, match);
}
