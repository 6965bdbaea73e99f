import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { zModelRef, type ModelRef } from '../../shared/metadata.js';
import {
  LIMITS,
  LIST_FIELDS,
  RECALL_FIELDS,
  recallKey,
  zStoredRecallParameters,
  type RecallBatchResponse,
  type RecallBroadcast,
  type RecallField,
  type RecallOutcome,
  type RecallParameters,
  type RecallParametersUpdatedEvent,
  type RecallQuery,
  type RecallState,
  type RecallWarning,
  type StoredRecallParameters,
} from '../../shared/recall.js';
import { StorageUnavailableError, type RecallRepository, type RecallWriteEntry } from '../db/store.js';
import { AppError } from '../errors.js';
import type { RecallEventPublisher } from '../events/recall-events.js';
import type { ImageService } from '../images/service.js';
import { takeInImages } from './image-intake.js';
import { byFieldOrder, type RecallResolver, type Resolution } from './resolver.js';

/** Lists that `append` extends rather than replaces: both kinds of reference image. */
const APPENDABLE: readonly RecallField[] = ['ip_adapters', 'reference_images'];
const APPEND_LIMITS: Partial<Record<RecallField, number>> = {
  ip_adapters: LIMITS.ipAdapters,
  reference_images: LIMITS.referenceImages,
};
const ALL_KEYS = RECALL_FIELDS.map(recallKey);

export type { RecallOutcome };

/**
 * Model hashes read from images (from_image) are kept beside the recall, so a later GET or POST
 * resolves those models by hash as the first answer did. Not a recall field: not counted in
 * updated_count, not broadcast. Newest refs win per kind and name; the list is bounded.
 */
export const MODEL_REFS_KEY = 'recall_model_refs';
const MODEL_REFS_LIMIT = 200;
const zStoredModelRefs = z.array(zModelRef);

function mergeModelRefs(previous: string | null, added: readonly ModelRef[]): string {
  let before: ModelRef[] = [];
  try {
    const parsed = zStoredModelRefs.safeParse(previous ? JSON.parse(previous) : []);
    if (parsed.success) before = parsed.data;
  } catch {
    // a damaged value is replaced
  }
  const id = (r: ModelRef) => `${r.field.split('.')[0]}\u0000${r.name}\u0000${r.algorithm}`;
  const replaced = new Set(added.map(id));
  return JSON.stringify([...before.filter((r) => !replaced.has(id(r))), ...added].slice(-MODEL_REFS_LIMIT));
}

function parseModelRefs(text: string | undefined): ModelRef[] {
  if (!text) return [];
  try {
    const parsed = zStoredModelRefs.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** What a recall may carry besides its parameters. */
export interface RecallContext {
  /** Hashes of the models named in the parameters, read from an image. */
  modelRefs?: readonly ModelRef[];
}

/** Reads a publisher's answer: booleans come from publishers that only know "handed on" or not. */
function broadcastOf(result: RecallBroadcast | boolean): RecallBroadcast {
  if (result === true) return 'delivered';
  if (result === false) return 'failed';
  return result;
}

/** Maps an unreachable store to the API's 503. */
async function guardStorage<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof StorageUnavailableError) throw new AppError('RECALL_ERR_STORAGE_UNAVAILABLE', undefined, { cause: err });
    throw err;
  }
}

/** Parses a stored JSON value back through the field's schema; null when it is absent or invalid. */
function parseStored(field: RecallField, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    const parsed = zStoredRecallParameters.shape[field].safeParse(JSON.parse(text));
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid' };
  } catch {
    return { ok: false, error: 'not JSON' };
  }
}

/** The stored form of a recall: one JSON value per field, or a merge into the stored list for `append`. */
function writeEntries(provided: Partial<Record<RecallField, unknown>>, flags: RecallQuery): RecallWriteEntry[] {
  return Object.entries(provided).map(([field, value]) => {
    const key = recallKey(field as RecallField);
    const json = JSON.stringify(value);
    if (!flags.append || !APPENDABLE.includes(field as RecallField)) return { key, value: json };
    return {
      key,
      merge: (previous) => {
        const before = previous ? parseStored(field as RecallField, previous) : null;
        const list = [...(before?.ok ? (before.value as unknown[]) : []), ...(value as unknown[])];
        // Keep the newest entries when an append would pass the list's limit.
        return JSON.stringify(list.slice(-(APPEND_LIMITS[field as RecallField] ?? list.length)));
      },
    };
  });
}

/**
 * The recall rules (spec "How It Works"): store the non-null values under recall_* keys in one
 * transaction, resolve models and images, broadcast to each queue's room, answer with the result.
 */
export class RecallService {
  constructor(
    private readonly repo: RecallRepository,
    private readonly resolver: RecallResolver,
    private readonly events: RecallEventPublisher,
    private readonly log: Logger,
    private readonly images: ImageService,
  ) {}

  /** One recall into one or more queues; returns one outcome per queue, in the order given. */
  async recall(
    queueIds: readonly string[],
    params: RecallParameters,
    flags: RecallQuery,
    userId: string,
    context: RecallContext = {},
  ): Promise<RecallOutcome[]> {
    const given: Partial<Record<RecallField, unknown>> = {};
    for (const field of RECALL_FIELDS) {
      const v = params[field];
      if (v !== null && v !== undefined) given[field] = v;
    }
    if (Object.keys(given).length === 0) {
      return queueIds.map((queue_id) => ({ status: 'no_parameters_provided', updated_count: 0, queue_id }));
    }
    // Images given by URL or base64 land in outputs/images first; what is stored names them.
    const intake = await takeInImages(given as RecallParameters, this.images, this.log);
    const provided = intake.params as Partial<Record<RecallField, unknown>>;
    if (flags.strict) {
      for (const field of LIST_FIELDS) provided[field] ??= [];
    }

    const entries = writeEntries(provided, flags);
    const updatedCount = entries.length;
    const refs = context.modelRefs ?? [];
    if (refs.length > 0) entries.push({ key: MODEL_REFS_KEY, merge: (previous) => mergeModelRefs(previous, refs) });

    // Each queue's main model (for choosing among same-named LoRAs and adapters) and stored model
    // hashes. Read before the write, so a database failure here stores nothing; the hashes this
    // recall adds are merged in memory exactly as the write merges them.
    const contexts = await guardStorage(async () => {
      const byQueue = new Map<string, QueueContext>();
      for (const q of queueIds) byQueue.set(q, await this.storedContext(q));
      return byQueue;
    });

    const recallId = randomUUID();
    const now = new Date();
    const revisions = await guardStorage(() => this.repo.write(queueIds, entries, recallId, now.toISOString()));
    for (const q of queueIds) this.log.info(`Updated ${updatedCount} recall parameters for queue ${q}`);

    // Resolution runs after storing (spec "Implementation Details"): an unknown name drops out of the
    // broadcast but the stored values stay as sent. Queues with the same context share one resolution.
    const resolutions = new Map<string, Promise<Resolution>>();
    const resolve = (ctx: QueueContext) => {
      const main = provided.model ? undefined : ctx.mainModel;
      const modelRefs = refs.length > 0 ? (JSON.parse(mergeModelRefs(JSON.stringify(ctx.modelRefs), refs)) as ModelRef[]) : ctx.modelRefs;
      const key = JSON.stringify([main ?? null, modelRefs]);
      let r = resolutions.get(key);
      if (!r) resolutions.set(key, (r = this.resolver.resolve(provided as StoredRecallParameters, main, modelRefs)));
      return r;
    };

    const outcomes: RecallOutcome[] = [];
    for (const queue_id of queueIds) {
      const resolved = await resolve(contexts.get(queue_id)!);
      const parameters = resolved.parameters;
      const warnings = mergeWarnings(intake.warnings, resolved.warnings);
      if (flags.append) parameters.append = true;
      const revision = revisions.get(queue_id)!;
      const broadcast = await this.publish({
        timestamp: Math.floor(now.getTime() / 1000),
        queue_id,
        user_id: userId,
        revision,
        recall_id: recallId,
        parameters,
        warnings,
      });
      outcomes.push({ status: 'success', queue_id, updated_count: updatedCount, parameters, revision, warnings, broadcast });
    }
    return outcomes;
  }

  /** Hands one event to the socket layer; a stored recall is never failed by its broadcast. */
  private async publish(event: RecallParametersUpdatedEvent): Promise<RecallBroadcast> {
    const broadcast = await this.events.publish(event).then(broadcastOf, (err: unknown) => {
      this.log.error({ err }, `Error emitting recall_parameters_updated for queue ${event.queue_id}`);
      return 'failed' as const;
    });
    if (broadcast === 'failed') this.log.warn(`The recall for queue ${event.queue_id} was stored but its event could not be broadcast`);
    if (broadcast === 'local_only') this.log.warn(`The recall for queue ${event.queue_id} was stored but reached only this server's clients (Redis is down)`);
    return broadcast;
  }

  /** The batch endpoint: one recall into every listed queue, answered with each queue's outcome. */
  async recallBatch(queueIds: readonly string[], params: RecallParameters, flags: RecallQuery, userId: string): Promise<RecallBatchResponse> {
    const results = await this.recall(queueIds, params, flags, userId);
    return { status: results.some((r) => r.status === 'success') ? 'success' : 'no_parameters_provided', results };
  }

  /**
   * The stored state of a queue as a full-state event (no `append` flag, so it replaces), at the
   * stored revision and recall id: what clients that missed events are sent. Null when never recalled.
   */
  async catchUpEvent(queueId: string): Promise<RecallParametersUpdatedEvent | null> {
    const { state, recallId } = await this.snapshot(queueId);
    if (state.revision === 0 || !recallId) return null;
    return {
      timestamp: Math.floor((state.updated_at ? Date.parse(state.updated_at) : Date.now()) / 1000),
      queue_id: queueId,
      user_id: 'system',
      revision: state.revision,
      recall_id: recallId,
      parameters: state.parameters,
      warnings: state.warnings,
    };
  }

  /** What is stored for a queue, resolved now, so a late client can catch up. */
  async state(queueId: string): Promise<RecallState> {
    return (await this.snapshot(queueId)).state;
  }

  private async snapshot(queueId: string): Promise<{ state: RecallState; recallId: string | null }> {
    const snapshot = await guardStorage(() => this.repo.read(queueId, [...ALL_KEYS, MODEL_REFS_KEY]));
    const stored: Record<string, unknown> = {};
    for (const field of RECALL_FIELDS) {
      const text = snapshot.values.get(recallKey(field));
      if (text === undefined) continue;
      const parsed = parseStored(field, text);
      if (parsed.ok) {
        if (parsed.value !== null && parsed.value !== undefined) stored[field] = parsed.value;
      } else {
        this.log.warn(`Ignoring stored ${recallKey(field)} of queue ${queueId}: ${parsed.error}`);
      }
    }
    const resolved = await this.resolver.resolve(stored as StoredRecallParameters, undefined, parseModelRefs(snapshot.values.get(MODEL_REFS_KEY)));
    const state: RecallState = {
      status: 'success',
      queue_id: queueId,
      revision: snapshot.revision,
      updated_at: snapshot.updatedAt,
      parameters: resolved.parameters,
      stored: stored as StoredRecallParameters,
      warnings: resolved.warnings,
    };
    return { state, recallId: snapshot.recallId };
  }

  /** The queue's stored main model (it decides between same-named models) and model hashes. */
  private async storedContext(queueId: string): Promise<QueueContext> {
    const snap = await this.repo.read(queueId, [recallKey('model'), MODEL_REFS_KEY]);
    const text = snap.values.get(recallKey('model'));
    const parsed = text ? parseStored('model', text) : null;
    return {
      mainModel: parsed?.ok && typeof parsed.value === 'string' ? parsed.value : undefined,
      modelRefs: parseModelRefs(snap.values.get(MODEL_REFS_KEY)),
    };
  }
}

interface QueueContext {
  mainModel: string | undefined;
  modelRefs: ModelRef[];
}

/** Intake warnings (a refused URL, with its reason) stand in for the resolver's for the same entry. */
function mergeWarnings(intake: RecallWarning[], resolved: RecallWarning[]): RecallWarning[] {
  const fields = new Set(intake.map((w) => w.field));
  return [...intake, ...resolved.filter((w) => !fields.has(w.field))].sort(byFieldOrder);
}
