import type { FromImageResponse } from '../../../shared/from-image.js';
import { ApiError } from '../../app/api.js';
import type { Notice } from '../notices/noticesSlice.js';
import { formatBytes, sourceLabel } from './describe-metadata.js';

/*
 * What a recall from an image tells the user. What the recall changed on the page is told by the
 * recall's own notice (it arrives through the socket like any other); this one says what was read,
 * from which tool, and what could not be used, or why nothing happened.
 */

export type NoticeContent = Pick<Notice, 'kind' | 'text' | 'details'>;

/** Keys of what the image says that has no recall field, listed up to this many. */
const UNMAPPED_LISTED = 6;

function unmappedDetail(unmapped: Record<string, unknown>): string[] {
  const keys = Object.keys(unmapped);
  if (keys.length === 0) return [];
  const more = keys.length > UNMAPPED_LISTED ? ` and ${keys.length - UNMAPPED_LISTED} more` : '';
  return [`Not recalled (no such setting): ${keys.slice(0, UNMAPPED_LISTED).join(', ')}${more}`];
}

/** The notice for a from_image answer: `label` is the image's name or the uploaded file's. */
export function describeFromImageResult(res: FromImageResponse, label: string, uploaded: boolean): NoticeContent {
  const source = sourceLabel(res.source);
  const details = [...(uploaded ? [`Stored as ${res.image.image_name} in outputs/images`] : []), ...unmappedDetail(res.unmapped)];
  if (res.status === 'no_parameters_provided') {
    return { kind: 'warning', text: `${label}: its ${source} metadata has nothing Recall can use`, details };
  }
  if (res.remix) return { kind: 'info', text: `Remixed ${label} (${source}): everything but the seed`, details };
  return { kind: 'info', text: `Recalled ${label} (${source})`, details };
}

/** The notice for a failed from_image call, saying why in the user's terms. */
export function describeFromImageError(err: unknown, label: string, fileSize?: number): NoticeContent {
  if (!(err instanceof ApiError)) return { kind: 'error', text: `Could not recall ${label}`, details: [String(err)] };
  if (err.status === 0) return { kind: 'error', text: `Could not recall ${label}: the server cannot be reached`, details: [err.message] };
  switch (err.code) {
    case 'RECALL_ERR_NO_METADATA':
      return { kind: 'warning', text: `${label} has no generation metadata to recall`, details: [] };
    case 'RECALL_ERR_NOT_AN_IMAGE':
      return { kind: 'error', text: `${label} is not an image Recall can read`, details: ['Drop a PNG, JPEG or WebP image.'] };
    case 'RECALL_ERR_PAYLOAD_TOO_LARGE':
      return {
        kind: 'error',
        text: `${label} is too large to upload${fileSize === undefined ? '' : ` (${formatBytes(fileSize)})`}`,
        details: ["The server's upload limit is set with --upload-limit."],
      };
    case 'RECALL_ERR_METADATA_UNREADABLE':
      return { kind: 'error', text: `${label} is damaged: its metadata cannot be read`, details: [err.message] };
    case 'RECALL_ERR_IMAGE_NOT_FOUND':
      return { kind: 'error', text: `${label} is no longer in outputs/images`, details: [] };
    case 'RECALL_ERR_VALIDATION':
      return { kind: 'error', text: `The metadata of ${label} does not fit the recall rules`, details: [err.message] };
    default:
      return { kind: 'error', text: `Could not recall ${label}`, details: [err.message] };
  }
}
