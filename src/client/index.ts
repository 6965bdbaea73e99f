import type { AppVersion } from '../shared/app-info.js';
import type { FromImageResponse } from '../shared/from-image.js';
import type { ImageRecord } from '../shared/images.js';
import type { RecallOutcome, RecallParametersInput, RecallState } from '../shared/recall.js';
import { capabilitiesFromOpenApi, capabilitiesFromVersion, type ServerCapabilities } from './capabilities.js';
import { RecallApiError, RecallConnectionError } from './errors.js';
import { SubscriptionHub, type RecallEventHandler, type Unsubscribe } from './subscriptions.js';

/*
 * The typed client other TypeScript programs import (`recall/client`), and the one the CLI uses.
 * Its types come from the shared contract; it never imports server code. Against a real InvokeAI the
 * routes it shares (recall, state, upload, version, subscribe) work; Recall's extra fields (revision,
 * warnings, broadcast) are then absent from the answers.
 */

export { capabilitiesFromOpenApi, capabilitiesFromVersion, versionAtLeast, type ServerCapabilities } from './capabilities.js';
export { RecallApiError, RecallConnectionError } from './errors.js';
export type { RecallEventHandler, Unsubscribe } from './subscriptions.js';
export type { FromImageResponse, ImageRecord, RecallOutcome, RecallParametersInput, RecallState };
export type { RecallParametersUpdatedEvent, RecallResponse } from '../shared/recall.js';

export interface RecallClientOptions {
  /** The server, e.g. `http://127.0.0.1:9090`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`, and as the socket's `auth: {token}`. */
  token?: string | undefined;
  /** Time for each request; default 30 s. */
  timeoutMs?: number;
}

export interface RecallOptions {
  /** Lists not given are cleared. */
  strict?: boolean;
  /** ip_adapters and reference_images are appended, not replaced. */
  append?: boolean;
}

export interface FromImageOptions extends RecallOptions {
  /** Leave the seed out. */
  remix?: boolean;
}

/** The image to recall from: one in outputs/images, a URL, base64, or bytes to upload. */
export type FromImageInput =
  | { imageName: string }
  | { imageUrl: string }
  | { imageBase64: string }
  | { file: Uint8Array | Blob; filename?: string };

export interface UploadOptions {
  imageCategory?: 'general' | 'user' | 'control' | 'mask' | 'other';
  isIntermediate?: boolean;
  boardId?: string;
}

export interface RecallClient {
  readonly baseUrl: string;
  /** `POST /api/v1/recall/{queue_id}`. */
  recall(queueId: string, params: RecallParametersInput, options?: RecallOptions): Promise<RecallOutcome>;
  /** `GET /api/v1/recall/{queue_id}`: what is stored, resolved now (Recall; InvokeAI's GET is a stub). */
  state(queueId: string): Promise<RecallState>;
  /** `POST /api/v1/images/upload`; the record names the image as the server stored it. */
  uploadImage(bytes: Uint8Array | Blob, filename: string, options?: UploadOptions): Promise<ImageRecord>;
  /** Whether outputs/images has an image of that name (`GET /api/v1/images/i/{name}`). */
  imageExists(imageName: string): Promise<boolean>;
  /** `POST /api/v1/recall/{queue_id}/from_image` (Recall only). */
  fromImage(queueId: string, input: FromImageInput, options?: FromImageOptions): Promise<FromImageResponse>;
  /** Calls `handler` with every `recall_parameters_updated` event of the queue until unsubscribed. */
  subscribe(queueId: string, handler: RecallEventHandler): Unsubscribe;
  /** `GET /api/v1/app/version`. */
  version(): Promise<Pick<AppVersion, 'version'> & Partial<AppVersion>>;
  /** What the server supports: from `/openapi.json`, else from its version. */
  capabilities(): Promise<ServerCapabilities>;
  /** Closes the socket, if one is open. */
  close(): void;
}

const MIME_BY_EXTENSION: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };
const mimeOf = (filename: string) => MIME_BY_EXTENSION[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

const flags = (o: Record<string, boolean | undefined> = {}) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v) q.set(k, 'true');
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** A Blob of bytes: copied, so a view on a larger or shared buffer cannot leak into the upload. */
const toBlob = (data: Uint8Array | Blob, type: string): Blob => (data instanceof Blob ? data : new Blob([new Uint8Array(data)], { type }));

export function createRecallClient(options: RecallClientOptions): RecallClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const hub = new SubscriptionHub(baseUrl, options.token);

  async function send(method: string, path: string, init: { json?: unknown; form?: FormData } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...auth };
    let body: string | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) {
      body = init.form;
    }
    try {
      return await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new RecallConnectionError(`cannot reach ${baseUrl}: ${reason}`, { cause: err });
    }
  }

  async function call<T>(method: string, path: string, init?: { json?: unknown; form?: FormData }): Promise<T> {
    const res = await send(method, path, init);
    if (!res.ok) throw await RecallApiError.fromResponse(res);
    return (await res.json()) as T;
  }

  const q = (id: string) => encodeURIComponent(id);

  return {
    baseUrl,
    recall: (queueId, params, opts = {}) =>
      call('POST', `/api/v1/recall/${q(queueId)}${flags({ strict: opts.strict, append: opts.append })}`, { json: params }),
    state: (queueId) => call('GET', `/api/v1/recall/${q(queueId)}`),
    uploadImage: (bytes, filename, opts = {}) => {
      const form = new FormData();
      form.append('file', toBlob(bytes, mimeOf(filename)), filename);
      const query = new URLSearchParams({ image_category: opts.imageCategory ?? 'user', is_intermediate: String(opts.isIntermediate ?? false) });
      if (opts.boardId) query.set('board_id', opts.boardId);
      return call('POST', `/api/v1/images/upload?${query}`, { form });
    },
    imageExists: async (imageName) => {
      const res = await send('GET', `/api/v1/images/i/${q(imageName)}`);
      if (res.status === 404) return false;
      if (!res.ok) throw await RecallApiError.fromResponse(res);
      await res.body?.cancel();
      return true;
    },
    fromImage: (queueId, input, opts = {}) => {
      const path = `/api/v1/recall/${q(queueId)}/from_image${flags({ remix: opts.remix, strict: opts.strict, append: opts.append })}`;
      if ('file' in input) {
        const form = new FormData();
        const filename = input.filename ?? 'image.png';
        form.append('file', toBlob(input.file, mimeOf(filename)), filename);
        return call('POST', path, { form });
      }
      const json = 'imageName' in input ? { image_name: input.imageName } : 'imageUrl' in input ? { image_url: input.imageUrl } : { image_base64: input.imageBase64 };
      return call('POST', path, { json });
    },
    subscribe: (queueId, handler) => hub.subscribe(queueId, handler),
    version: () => call('GET', '/api/v1/app/version'),
    capabilities: async () => {
      const res = await send('GET', '/openapi.json');
      if (res.ok) {
        const fromDoc = capabilitiesFromOpenApi(await res.json().catch(() => null));
        if (fromDoc) return fromDoc;
      } else {
        await res.body?.cancel();
      }
      return capabilitiesFromVersion(await call('GET', '/api/v1/app/version'));
    },
    close: () => hub.close(),
  };
}
