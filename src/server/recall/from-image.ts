import type { Logger } from 'pino';
import type { FromImageBody, FromImageQuery, FromImageResponse } from '../../shared/from-image.js';
import type { ImageRef } from '../../shared/images.js';
import { zRecallParameters } from '../../shared/recall.js';
import { isMetadataReadError, parseImageMetadata } from '../../metadata/index.js';
import { AppError, invalidField } from '../errors.js';
import { UrlRefusedError } from '../images/fetcher.js';
import { refOf, type ImageService } from '../images/service.js';
import type { RecallService } from './service.js';

/** An uploaded file (multipart field "file"). */
export interface UploadedFile {
  bytes: Uint8Array;
  filename: string;
}

type Source =
  | { kind: 'name'; name: string; label: string }
  | { kind: 'bytes'; bytes: Uint8Array; label: string };

/**
 * Recall from an image (issue 4): read the image's generation metadata and run the very recall a
 * POST of those parameters would (same validation, storage, resolution, event and answer), with the
 * model hashes the image carries for matching, and what was read alongside.
 */
export class FromImageService {
  constructor(
    private readonly recall: RecallService,
    private readonly images: ImageService,
    private readonly log: Logger,
  ) {}

  async fromImage(queueId: string, body: FromImageBody, file: UploadedFile | undefined, query: FromImageQuery, userId: string): Promise<FromImageResponse> {
    const source = await this.source(body, file);
    const bytes = source.kind === 'name' ? await this.images.read(source.name) : source.bytes;

    let metadata;
    try {
      metadata = await parseImageMetadata(bytes);
    } catch (err) {
      if (!isMetadataReadError(err)) throw err;
      if (err.code === 'NOT_AN_IMAGE') throw new AppError('RECALL_ERR_NOT_AN_IMAGE', `${source.label} is not a PNG, JPEG or WebP image`);
      throw new AppError('RECALL_ERR_METADATA_UNREADABLE', `cannot read the metadata of ${source.label}: ${err.message}`);
    }
    if (metadata.status === 'none') throw new AppError('RECALL_ERR_NO_METADATA', `no generation metadata found in ${source.label}`);

    // The same rules as a POST body; the parsers keep to them, this makes sure of it.
    const checked = zRecallParameters.safeParse(metadata.parameters);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw invalidField(['metadata', 'parameters', ...(issue.path as (string | number)[])], issue.message);
    }
    const params = checked.data;
    if (query.remix) delete params.seed;

    // A new image is kept only once it proved to carry metadata.
    const image: ImageRef = await this.keep(source);
    this.log.info(
      `Read ${metadata.source.tool}${metadata.source.version ? ` ${metadata.source.version}` : ''} metadata from ${source.label}` +
        `${query.remix ? ' (remix: seed left out)' : ''}`,
    );
    const [outcome] = await this.recall.recall([queueId], params, { strict: query.strict, append: query.append }, userId, {
      modelRefs: metadata.model_refs,
    });
    return {
      ...outcome!,
      source: metadata.source,
      image,
      remix: query.remix,
      model_refs: metadata.model_refs,
      unmapped: metadata.unmapped,
    };
  }

  /** Exactly one way to give the image; a URL is fetched here (a refusal fails the request: there is nothing else to recall). */
  private async source(body: FromImageBody, file: UploadedFile | undefined): Promise<Source> {
    const given = [body.image_name && 'image_name', body.image_url && 'image_url', body.image_base64 && 'image_base64', file && 'file'].filter(Boolean);
    if (given.length !== 1) {
      throw invalidField(
        ['body'],
        given.length === 0
          ? 'give the image: image_name, image_url, image_base64, or a multipart "file"'
          : `give only one image, not ${given.join(' and ')}`,
        given.length === 0 ? 'missing' : 'value_error',
      );
    }
    if (body.image_name) return { kind: 'name', name: body.image_name, label: body.image_name };
    if (file) return { kind: 'bytes', bytes: file.bytes, label: `the uploaded file ${file.filename || '(unnamed)'}` };
    if (body.image_base64) return { kind: 'bytes', bytes: this.images.decodeBase64(body.image_base64, ['body', 'image_base64']), label: 'the base64 image' };
    const url = body.image_url!;
    try {
      return { kind: 'bytes', bytes: await this.images.fetch(url), label: url };
    } catch (err) {
      if (!(err instanceof UrlRefusedError)) throw err;
      this.log.warn(`Image URL refused: ${url}: ${err.message}`);
      throw new AppError('RECALL_ERR_URL_REFUSED', `image URL refused: ${url}: ${err.message}`);
    }
  }

  private async keep(source: Source): Promise<ImageRef> {
    if (source.kind === 'name') {
      const ref = await this.images.measure(source.name);
      if (!ref) throw new AppError('RECALL_ERR_IMAGE_NOT_FOUND', `Image not found: ${source.name}`);
      return ref;
    }
    const info = await this.images.store(source.bytes);
    this.log.info(`Stored ${source.label} as ${info.name} (${info.width}x${info.height})`);
    return refOf(info);
  }
}
