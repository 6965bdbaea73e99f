import { z } from 'zod';
import { zImageName, zImageRef } from './images.js';
import { zMetadataSource, zModelRef } from './metadata.js';
import { zBoolFlag, zImageBase64, zImageUrl, zRecallNoParametersResponse, zRecallResponse } from './recall.js';

/*
 * POST /api/v1/recall/{queue_id}/from_image: recall what an image's generation metadata says. The
 * image is named (outputs/images), uploaded (multipart field "file"), sent as base64, or fetched from
 * a URL; exactly one of them.
 */

export const zFromImageQuery = z
  .object({
    remix: zBoolFlag.describe('Leave the seed out, so the next generation varies the image instead of repeating it'),
    strict: zBoolFlag.describe('Lists the image does not give are cleared (sent as [])'),
    append: zBoolFlag.describe('ip_adapters and reference_images are appended to the stored ones, not replaced'),
  })
  .superRefine((q, ctx) => {
    if (q.strict && q.append) {
      ctx.addIssue({ code: 'custom', path: ['append'], message: 'strict and append cannot be used together' });
    }
  });
export type FromImageQuery = z.infer<typeof zFromImageQuery>;

/** The JSON body; with multipart/form-data the image is the "file" field instead. */
export const zFromImageBody = z.strictObject({
  image_name: zImageName.optional().describe('An image already in outputs/images'),
  image_url: zImageUrl.optional(),
  image_base64: zImageBase64.optional(),
});
export type FromImageBody = z.infer<typeof zFromImageBody>;

/** What was read from the image, beside the recall's own answer. */
const zFromImageInfo = {
  source: zMetadataSource.describe('The tool that wrote the metadata'),
  image: zImageRef.describe('The image read; an uploaded, base64 or fetched image is stored in outputs/images under this name'),
  remix: z.boolean().describe('True when the seed was left out'),
  model_refs: z.array(zModelRef).describe('Model hashes the image carries; a registry model with one of them is used even if its name differs'),
  unmapped: z.record(z.string(), z.unknown()).describe('What the image says that has no recall field'),
};

export const zFromImageResponse = z.union([zRecallResponse.extend(zFromImageInfo), zRecallNoParametersResponse.extend(zFromImageInfo)]);
export type FromImageResponse = z.infer<typeof zFromImageResponse>;
