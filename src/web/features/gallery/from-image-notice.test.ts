import { describe, expect, it } from 'vitest';
import type { FromImageResponse } from '../../../shared/from-image.js';
import { ApiError } from '../../app/api.js';
import { describeFromImageError, describeFromImageResult } from './from-image-notice.js';

const response = (over: Partial<FromImageResponse> = {}): FromImageResponse =>
  ({
    status: 'success',
    queue_id: 'q',
    updated_count: 9,
    parameters: {},
    revision: 3,
    warnings: [],
    broadcast: 'delivered',
    source: { tool: 'automatic1111', version: 'v1.9.4' },
    image: { image_name: '3f0c.png', width: 64, height: 48 },
    remix: false,
    model_refs: [],
    unmapped: {},
    ...over,
  }) as FromImageResponse;

describe('from_image notices', () => {
  it('says what was recalled and from which tool, and for an upload where it was stored', () => {
    expect(describeFromImageResult(response(), 'cat.png', false)).toEqual({ kind: 'info', text: 'Recalled cat.png (AUTOMATIC1111 v1.9.4)', details: [] });
    expect(describeFromImageResult(response({ remix: true }), 'cat.png', false).text).toBe('Remixed cat.png (AUTOMATIC1111 v1.9.4): everything but the seed');
    expect(describeFromImageResult(response(), 'fox.png', true).details).toEqual(['Stored as 3f0c.png in outputs/images']);
  });

  it('lists what had no recall setting, up to six keys', () => {
    const unmapped = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k) => [k, 1]));
    expect(describeFromImageResult(response({ unmapped }), 'x.png', false).details).toEqual(['Not recalled (no such setting): a, b, c, d, e, f and 2 more']);
  });

  it('warns when the metadata held nothing to recall', () => {
    const res = response({ status: 'no_parameters_provided', updated_count: 0 } as Partial<FromImageResponse>);
    expect(describeFromImageResult(res, 'x.png', false)).toMatchObject({ kind: 'warning', text: 'x.png: its AUTOMATIC1111 v1.9.4 metadata has nothing Recall can use' });
  });

  it("explains each refusal in the user's terms", () => {
    const err = (status: number, code: string, message = 'server says') => new ApiError(status, message, code);
    expect(describeFromImageError(err(422, 'RECALL_ERR_NO_METADATA'), 'a.png').text).toBe('a.png has no generation metadata to recall');
    expect(describeFromImageError(err(400, 'RECALL_ERR_NOT_AN_IMAGE'), 'a.png').text).toBe('a.png is not an image Recall can read');
    expect(describeFromImageError(err(413, 'RECALL_ERR_PAYLOAD_TOO_LARGE'), 'big.png', 3 * 1024 * 1024).text).toBe('big.png is too large to upload (3.0 MB)');
    expect(describeFromImageError(err(422, 'RECALL_ERR_METADATA_UNREADABLE', 'chunk runs past the end'), 'a.png')).toEqual({
      kind: 'error',
      text: 'a.png is damaged: its metadata cannot be read',
      details: ['chunk runs past the end'],
    });
    expect(describeFromImageError(err(404, 'RECALL_ERR_IMAGE_NOT_FOUND'), 'gone.png').text).toBe('gone.png is no longer in outputs/images');
    expect(describeFromImageError(new ApiError(0, 'Cannot reach the server: fetch failed'), 'a.png').text).toBe('Could not recall a.png: the server cannot be reached');
    expect(describeFromImageError(new TypeError('boom'), 'a.png')).toEqual({ kind: 'error', text: 'Could not recall a.png', details: ['TypeError: boom'] });
  });
});
