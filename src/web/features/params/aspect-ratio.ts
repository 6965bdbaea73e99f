import { z } from 'zod';

/** Preset ratios offered in the picker; `free` means width and height move independently. */
export const ASPECT_RATIO_PRESETS = [
  { id: '21:9', value: 21 / 9 },
  { id: '16:9', value: 16 / 9 },
  { id: '3:2', value: 3 / 2 },
  { id: '4:3', value: 4 / 3 },
  { id: '1:1', value: 1 },
  { id: '3:4', value: 3 / 4 },
  { id: '2:3', value: 2 / 3 },
  { id: '9:16', value: 9 / 16 },
  { id: '9:21', value: 9 / 21 },
] as const;

export const ASPECT_RATIO_IDS = ['free', ...ASPECT_RATIO_PRESETS.map((p) => p.id)] as const;
export const zAspectRatioId = z.enum(ASPECT_RATIO_IDS);
export type AspectRatioId = z.infer<typeof zAspectRatioId>;

export const zAspectRatio = z.object({
  id: zAspectRatioId,
  value: z.number().positive(),
  isLocked: z.boolean(),
});
export type AspectRatio = z.infer<typeof zAspectRatio>;

/**
 * The preset a width/height pair shows as. Snapping to the grid moves a ratio slightly (1920×1080
 * becomes 1920×1088 at grid 16), so a match within 1 % counts.
 */
export function presetFor(width: number, height: number): AspectRatioId {
  const ratio = width / height;
  const hit = ASPECT_RATIO_PRESETS.find((p) => Math.abs(p.value - ratio) / p.value < 0.01);
  return hit ? hit.id : 'free';
}

export function presetValue(id: AspectRatioId): number | null {
  return ASPECT_RATIO_PRESETS.find((p) => p.id === id)?.value ?? null;
}
