import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  LIMITS,
  LIST_FIELDS,
  RECALL_FIELDS,
  recallKey,
  zRecallParameters,
  type RecallField,
  type RecallParameters,
  type RecallQuery,
  type RecallResponse,
  type RecallState,
} from '../../shared/recall.js';
import { StorageUnavailableError, type RecallRepository, type RecallWriteEntry } from '../db/store.js';
import { AppError } from '../errors.js';
import { PublishOrder } from '../events/publish-order.js';
import type { RecallEventPublisher } from '../events/recall-events.js';
import type { RecallResolver } from './resolver.js';

/** Lists that `append` extends rather than replaces: both kinds of reference image. */
const APPENDABLE: readonly RecallField[] = ['ip_adapters', 'reference_images'];
const APPEND_LIMITS: Partial<Record<RecallField, number>> = {
  ip_adapters: LIMITS.ipAdapters,
  reference_images: LIMITS.referenceImages,
};
const ALL_KEYS = RECALL_FIELDS.map(recallKey);
/** Fields whose models are chosen to fit the main model's base (see the resolver). */
const BASE_DEPENDENT: readonly RecallField[] = ['vae_model', 'loras', 'control_layers', 'ip_adapters'];

/** A recall once stored: what resolving and publishing it needs. */
interface StoredRecall {
  queueIds: readonly string[];
  provided: Partial<Record<RecallField, unknown>>;
  flags: RecallQuery;
  userId: string;
  recallId: string;
  now: Date;
  updatedCount: number;
  revisions: Map<string, number>;
  places: { turn: Promise<void> }[];
}

export type RecallOutcome =
  | { status: 'no_parameters_provided'; updated_count: 0; queue_id: string }
  | RecallResponse;

/** Parses a stored JSON value back through the field's schema; null when it is absent or invalid. */
function parseStored(field: RecallField, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    const parsed = zRecallParameters.shape[field].safeParse(JSON.parse(text));
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid' };
  } catch {
    return { ok: false, error: 'not JSON' };
  }
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
  ) {}

  private readonly publishOrder = new PublishOrder();

  /** One recall into one or more queues; returns one outcome per queue, in the order given. */
  async recall(queueIds: readonly string[], params: RecallParameters, flags: RecallQuery, userId: string): Promise<RecallOutcome[]> {
    const provided: Partial<Record<RecallField, unknown>> = {};
    for (const field of RECALL_FIELDS) {
      const v = params[field];
      if (v !== null && v !== undefined) provided[field] = v;
    }
    if (Object.keys(provided).length === 0) {
      return queueIds.map((queue_id) => ({ status: 'no_parameters_provided', updated_count: 0, queue_id }));
    }
    if (flags.strict) {
      for (const field of LIST_FIELDS) provided[field] ??= [];
    }

    const entries: RecallWriteEntry[] = Object.entries(provided).map(([field, value]) => {
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

    const recallId = randomUUID();
    const now = new Date();
    let revisions: Map<string, number>;
    try {
      revisions = await this.repo.write(queueIds, entries, recallId, now.toISOString());
    } catch (err) {
      if (err instanceof StorageUnavailableError) throw new AppError('RECALL_ERR_STORAGE_UNAVAILABLE', undefined, { cause: err });
      throw err;
    }
    // Places in each queue's line are taken now, in commit order, before anything else can run.
    const places = queueIds.map((q) => this.publishOrder.enter(q, revisions.get(q)!));
    try {
      return await this.resolveAndPublish({ queueIds, provided, flags, userId, recallId, now, updatedCount: entries.length, revisions, places });
    } finally {
      for (const p of places) p.leave();
    }
  }

  /** After storing: resolve once, then publish to each queue in its turn and answer. */
  private async resolveAndPublish(r: StoredRecall): Promise<RecallOutcome[]> {
    const { queueIds, provided, flags, userId, recallId, now, updatedCount, revisions, places } = r;
    for (const q of queueIds) this.log.info(`Updated ${updatedCount} recall parameters for queue ${q}`);

    // Resolution runs after storing (spec "Implementation Details"): an unknown name drops out of the
    // broadcast but the stored values stay as sent. The stored main model only matters when
    // something is resolved against its base.
    let fallbackMain: string | undefined;
    if (!provided.model && queueIds[0] && BASE_DEPENDENT.some((f) => provided[f] !== undefined)) {
      fallbackMain = await this.storedMainModel(queueIds[0]);
    }
    const { parameters, warnings } = await this.resolver.resolve(provided as RecallParameters, fallbackMain);
    if (flags.append) parameters.append = true;

    const outcomes: RecallOutcome[] = [];
    for (const [i, queue_id] of queueIds.entries()) {
      const revision = revisions.get(queue_id)!;
      await places[i]!.turn;
      const delivered = await this.events
        .publish({
          timestamp: Math.floor(now.getTime() / 1000),
          queue_id,
          user_id: userId,
          revision,
          recall_id: recallId,
          parameters,
          warnings,
        })
        .catch((err: unknown) => {
          this.log.error({ err }, `Error emitting recall_parameters_updated for queue ${queue_id}`);
          return false;
        });
      if (!delivered) this.log.warn(`The recall for queue ${queue_id} was stored but its event could not be broadcast`);
      outcomes.push({
        status: 'success',
        queue_id,
        updated_count: updatedCount,
        parameters,
        revision,
        warnings,
        broadcast: delivered ? 'delivered' : 'failed',
      });
    }
    return outcomes;
  }

  /** What is stored for a queue, resolved now, so a late client can catch up. */
  async state(queueId: string): Promise<RecallState> {
    let snapshot;
    try {
      snapshot = await this.repo.read(queueId, ALL_KEYS);
    } catch (err) {
      if (err instanceof StorageUnavailableError) throw new AppError('RECALL_ERR_STORAGE_UNAVAILABLE', undefined, { cause: err });
      throw err;
    }
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
    const resolved = await this.resolver.resolve(stored as RecallParameters);
    return {
      status: 'success',
      queue_id: queueId,
      revision: snapshot.revision,
      updated_at: snapshot.updatedAt,
      parameters: resolved.parameters,
      stored: stored as RecallParameters,
      warnings: resolved.warnings,
    };
  }

  private async storedMainModel(queueId: string): Promise<string | undefined> {
    const snap = await this.repo.read(queueId, [recallKey('model')]);
    const text = snap.values.get(recallKey('model'));
    const parsed = text ? parseStored('model', text) : null;
    return parsed?.ok && typeof parsed.value === 'string' ? parsed.value : undefined;
  }
}
