import type { SchedulerName } from '../../../shared/schedulers.js';

/** InvokeAI's own labels of its schedulers; `_k` is the Karras variant. */
const LABELS: Record<SchedulerName, string> = {
  ddim: 'DDIM',
  ddpm: 'DDPM',
  deis: 'DEIS',
  deis_k: 'DEIS Karras',
  lms: 'LMS',
  lms_k: 'LMS Karras',
  pndm: 'PNDM',
  heun: 'Heun',
  heun_k: 'Heun Karras',
  euler: 'Euler',
  euler_k: 'Euler Karras',
  euler_a: 'Euler Ancestral',
  kdpm_2: 'KDPM 2',
  kdpm_2_k: 'KDPM 2 Karras',
  kdpm_2_a: 'KDPM 2 Ancestral',
  kdpm_2_a_k: 'KDPM 2 Ancestral Karras',
  dpmpp_2s: 'DPM++ 2S',
  dpmpp_2s_k: 'DPM++ 2S Karras',
  dpmpp_2m: 'DPM++ 2M',
  dpmpp_2m_k: 'DPM++ 2M Karras',
  dpmpp_2m_sde: 'DPM++ 2M SDE',
  dpmpp_2m_sde_k: 'DPM++ 2M SDE Karras',
  dpmpp_3m: 'DPM++ 3M',
  dpmpp_3m_k: 'DPM++ 3M Karras',
  dpmpp_sde: 'DPM++ SDE',
  dpmpp_sde_k: 'DPM++ SDE Karras',
  er_sde: 'ER SDE',
  unipc: 'UniPC',
  unipc_k: 'UniPC Karras',
  lcm: 'LCM',
  tcd: 'TCD',
};

export const schedulerLabel = (s: SchedulerName): string => LABELS[s];
