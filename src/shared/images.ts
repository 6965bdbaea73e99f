import { z } from 'zod';

/**
 * An image is named by its bare file name inside outputs/images. The rule is deliberately narrow:
 * no separators, no parent references, no percent-encoding, no control characters, no leading dot,
 * no drive colons, so that no name can point anywhere but that folder (spec "Image File Handling").
 */
export const IMAGE_NAME_MAX_BYTES = 255;
const encoder = new TextEncoder();
/** Within `max` UTF-8 bytes; a UTF-16 unit encodes to at most 3 bytes, so short names skip the encoding. */
const fitsUtf8 = (s: string, max: number): boolean => s.length * 3 <= max || encoder.encode(s).length <= max;
export const zImageName = z
  .string()
  .min(1)
  .refine((s) => fitsUtf8(s, IMAGE_NAME_MAX_BYTES), {
    message: `must be at most ${IMAGE_NAME_MAX_BYTES} bytes`,
  })
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[/\\:%\u0000-\u001f\u007f]/.test(s), {
    message: 'must be a bare file name (no path separators, colons, percent-encoding or control characters)',
  })
  .refine((s) => !s.startsWith('.') && s.trim() === s, {
    message: 'must not start with a dot or have leading or trailing spaces',
  })
  .describe('File name of an image in outputs/images, without any folder prefix');

/** What the recall payload says about an image: enough for a client to lay it out without fetching it. */
export const zImageRef = z.object({
  image_name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type ImageRef = z.infer<typeof zImageRef>;

/** Image record in InvokeAI's ImageDTO shape (the fields its clients read). */
export const zImageRecord = z.object({
  image_name: z.string(),
  image_url: z.string(),
  thumbnail_url: z.string(),
  image_origin: z.literal('internal'),
  image_category: z.enum(['general', 'user', 'control', 'mask', 'other']),
  width: z.number().int(),
  height: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
  is_intermediate: z.boolean(),
  session_id: z.string().nullable(),
  node_id: z.string().nullable(),
  starred: z.boolean(),
  has_workflow: z.boolean(),
  board_id: z.string().nullable(),
  file_size: z.number().int(),
  format: z.string().describe('png, jpeg, webp, gif, ...'),
});
export type ImageRecord = z.infer<typeof zImageRecord>;

export const zImageList = z.object({
  items: z.array(zImageRecord),
  offset: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
});
export type ImageList = z.infer<typeof zImageList>;

export const zImageListQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** InvokeAI's upload flags; accepted so its clients work unchanged. */
export const zImageUploadQuery = z.object({
  image_category: z.enum(['general', 'user', 'control', 'mask', 'other']).default('user'),
  is_intermediate: z.stringbool().default(false),
  board_id: z.string().max(128).optional(),
  session_id: z.string().max(128).optional(),
  crop_visible: z.stringbool().optional(),
});
