import type { ModelBase } from '../../../shared/models.js';
import { LIMITS } from '../../../shared/recall.js';

/**
 * The pixel grid a model's latent space imposes on width and height: 8 for the SD family, 16 for
 * the transformer models with 2×2 patches, 32 for CogView4.
 */
export function gridFor(base: ModelBase | null | undefined): number {
  switch (base) {
    case 'flux':
    case 'flux2':
    case 'sd-3':
    case 'qwen-image':
    case 'z-image':
      return 16;
    case 'cogview4':
      return 32;
    default:
      return 8;
  }
}

/** Rounds to the nearest multiple of the grid, kept within the API's size bounds (both are grid multiples). */
export function snapToGrid(value: number, grid: number): number {
  const snapped = Math.round(value / grid) * grid;
  const min = Math.ceil(LIMITS.size.min / grid) * grid;
  const max = Math.floor(LIMITS.size.max / grid) * grid;
  return Math.min(max, Math.max(min, snapped));
}
