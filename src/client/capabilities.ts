/** What a server supports, so a client only calls what exists (as PhotoMapAI decides, from OpenAPI first). */
export interface ServerCapabilities {
  /** `POST /api/v1/recall/{queue_id}` exists (InvokeAI >= 6.13.0, or Recall). */
  recall: boolean;
  /** Its `append` flag exists (InvokeAI >= 6.13.5). */
  append: boolean;
  /** Its `strict` flag exists. */
  strict: boolean;
  /** `POST /api/v1/recall/{queue_id}/from_image` exists (Recall only). */
  fromImage: boolean;
  /** The version the server reports, when it was asked. */
  version: string | null;
  /** Where the answer came from. */
  source: 'openapi' | 'version';
}

const RECALL_PATH = '/api/v1/recall/{queue_id}';
const FROM_IMAGE_PATH = '/api/v1/recall/{queue_id}/from_image';

interface OpenApiDoc {
  paths?: Record<string, { post?: { parameters?: { name?: string; in?: string }[] } }>;
}

/** Reads the capabilities from an OpenAPI document; null when it does not look like one. */
export function capabilitiesFromOpenApi(doc: unknown): ServerCapabilities | null {
  const paths = (doc as OpenApiDoc | null)?.paths;
  if (!paths || typeof paths !== 'object') return null;
  const post = paths[RECALL_PATH]?.post;
  const query = new Set((post?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
  return {
    recall: Boolean(post),
    append: query.has('append'),
    strict: query.has('strict'),
    fromImage: Boolean(paths[FROM_IMAGE_PATH]?.post),
    version: null,
    source: 'openapi',
  };
}

/** `6.13.5` >= `6.13.0`; pre-release tags and anything after the numbers are ignored. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => (/^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim()) ?? []).slice(1, 4).map((n) => Number(n ?? 0));
  const a = parse(version);
  const b = parse(minimum);
  if (a.length === 0) return false;
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/**
 * The fallback when there is no OpenAPI document: InvokeAI's version (recall since 6.13.0, append
 * since 6.13.5; strict came with append). Recall reports `recall_version` beside the API level.
 */
export function capabilitiesFromVersion(info: { version?: unknown; recall_version?: unknown }): ServerCapabilities {
  const version = typeof info.version === 'string' ? info.version : '';
  const isRecall = typeof info.recall_version === 'string';
  return {
    recall: isRecall || versionAtLeast(version, '6.13.0'),
    append: isRecall || versionAtLeast(version, '6.13.5'),
    strict: isRecall || versionAtLeast(version, '6.13.5'),
    fromImage: isRecall,
    version: version || null,
    source: 'version',
  };
}
