import { z } from 'zod';
import { zErrorBody, zValidationErrorBody } from '../../shared/errors.js';
import { zFromImageResponse, type FromImageResponse } from '../../shared/from-image.js';
import { zImageList, zImageRecord, type ImageList, type ImageRecord } from '../../shared/images.js';
import { zImageMetadata, type ImageMetadataResponse } from '../../shared/metadata.js';
import { zModelConfig, zModelList, type ModelConfig } from '../../shared/models.js';
import { zRecallState, type RecallState } from '../../shared/recall.js';

/** A failed call: the HTTP status (0 when the server could not be reached) and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Where from_image takes the image: one of outputs/images by name, or a file uploaded with the call. */
export type FromImageSource = { imageName: string } | { file: Blob; fileName: string };

/** The calls the web UI makes; every answer is checked against the shared contract. */
export interface RecallApi {
  getRecallState(queueId: string): Promise<RecallState>;
  listModels(): Promise<ModelConfig[]>;
  /** null when no model has this key. */
  getModel(key: string): Promise<ModelConfig | null>;
  /** null when there is no such image. */
  getImage(imageName: string): Promise<ImageRecord | null>;
  /** Names of the newest images in outputs/images, for suggestions. */
  listImageNames(limit?: number): Promise<string[]>;
  /** A page of outputs/images, newest first. */
  listImages(offset: number, limit: number): Promise<ImageList>;
  /** What the image's file says about how it was made (`status: 'none'` when nothing). */
  getImageMetadata(imageName: string): Promise<ImageMetadataResponse>;
  /** Recalls (or, with `remix`, recalls all but the seed of) what an image's metadata says into a queue. */
  recallFromImage(queueId: string, source: FromImageSource, opts?: { remix?: boolean }): Promise<FromImageResponse>;
  getClientState(queueId: string, key: string): Promise<string | null>;
  setClientState(queueId: string, key: string, value: string, opts?: { keepalive?: boolean }): Promise<void>;
  /** The image's address, for `<img src>` when no token is needed. */
  imageUrl(imageName: string, size: 'full' | 'thumbnail'): string;
  /** The image's bytes, fetched with the token (an `<img src>` cannot send one). */
  fetchImage(imageName: string, size: 'full' | 'thumbnail', signal?: AbortSignal): Promise<Blob>;
  /** Whether the server takes this token (a cheap authenticated call); throws the server's ApiError when not. */
  checkToken(token: string): Promise<void>;
}

/** How the API authenticates: the token to send, and who to tell when the server refuses it. */
export interface ApiAuth {
  token(): string | null;
  /** A 401 answered to the token still in use (not to one replaced since the request left). */
  onUnauthorized?(error: ApiError): void;
}

const enc = encodeURIComponent;

function parseJson(status: number, path: string, text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(status, `The server answered ${path} with something that is not JSON`);
  }
}

/** The error of a failed answer, from the shared error shapes when the body is one. */
function errorOf(status: number, statusText: string, body: unknown): ApiError {
  const err = zErrorBody.safeParse(body);
  if (err.success) return new ApiError(status, err.data.detail, err.data.code);
  const invalid = zValidationErrorBody.safeParse(body);
  if (invalid.success) return new ApiError(status, invalid.data.detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '), invalid.data.code);
  const detail = typeof (body as { detail?: unknown })?.detail === 'string' ? (body as { detail: string }).detail : statusText;
  return new ApiError(status, detail);
}

export function createApi(baseUrl = '', fetchImpl: typeof fetch = (...a) => fetch(...a), auth?: ApiAuth): RecallApi {
  /**
   * One request, with `Authorization: Bearer` when a token is set (a header, never the query string,
   * which ends up in logs and history). A failed answer becomes an ApiError; a 401 to the token in
   * use is reported once the error is known.
   */
  async function send(path: string, init: RequestInit = {}, token: string | null = auth?.token() ?? null): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}${path}`, { ...init, headers });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ApiError(0, `Cannot reach the server: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (res.ok) return res;
    const error = errorOf(res.status, res.statusText, parseJson(res.status, path, await res.text()));
    if (res.status === 401 && auth && token === auth.token()) auth.onUnauthorized?.(error);
    throw error;
  }

  async function call<T>(path: string, schema: z.ZodType<T>, init?: RequestInit, token?: string): Promise<T> {
    const res = await send(path, init, token);
    const body = parseJson(res.status, path, await res.text());
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ApiError(res.status, `Unexpected answer from ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  const orNullOn404 = async <T>(p: Promise<T>): Promise<T | null> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  };

  const clientStatePath = (queueId: string, op: string, key: string) => `/api/v1/client_state/${enc(queueId)}/${op}?key=${enc(key)}`;

  return {
    getRecallState: (queueId) => call(`/api/v1/recall/${enc(queueId)}`, zRecallState),
    listModels: async () => (await call('/api/v2/models/', zModelList)).models,
    getModel: (key) => orNullOn404(call(`/api/v2/models/i/${enc(key)}`, zModelConfig)),
    getImage: (imageName) => orNullOn404(call(`/api/v1/images/i/${enc(imageName)}`, zImageRecord)),
    listImageNames: async (limit = 200) => (await call(`/api/v1/images/?offset=0&limit=${limit}`, zImageList)).items.map((i) => i.image_name),
    listImages: (offset, limit) => call(`/api/v1/images/?offset=${offset}&limit=${limit}`, zImageList),
    getImageMetadata: (imageName) => call(`/api/v1/images/i/${enc(imageName)}/metadata`, zImageMetadata),
    recallFromImage: (queueId, source, opts) => {
      const path = `/api/v1/recall/${enc(queueId)}/from_image?remix=${opts?.remix ? 'true' : 'false'}`;
      if ('imageName' in source) {
        return call(path, zFromImageResponse, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_name: source.imageName }) });
      }
      const form = new FormData();
      form.append('file', source.file, source.fileName);
      return call(path, zFromImageResponse, { method: 'POST', body: form });
    },
    getClientState: (queueId, key) => call(clientStatePath(queueId, 'get_by_key', key), z.string().nullable()),
    setClientState: async (queueId, key, value, opts) => {
      await call(clientStatePath(queueId, 'set_by_key', key), z.string(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(value),
        keepalive: opts?.keepalive ?? false,
      });
    },
    imageUrl: (imageName, size) => `${baseUrl}/api/v1/images/i/${enc(imageName)}/${size}`,
    fetchImage: async (imageName, size, signal) => {
      const res = await send(`/api/v1/images/i/${enc(imageName)}/${size}`, signal ? { signal } : {});
      return res.blob();
    },
    checkToken: async (token) => {
      await call('/api/v1/images/?offset=0&limit=1', zImageList, {}, token);
    },
  };
}
