import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ModelRef } from '../../shared/metadata.js';
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
import { isoTime } from '../db/clock.js';
import { StorageUnavailableError, type RecallRepository, type RecallWriteEntry } from '../db/store.js';
import { storageFailure } from '../errors.js';
import { PublishOrder } from '../events/publish-order.js';
import type { RecallEventPublisher } from '../events/recall-events.js';
import type { ImageService } from '../images/service.js';
import { needsImageIntake, takeInImages } from './image-intake.js';
import { MODEL_REFS_KEY, mergeModelRefs, parseModelRefs } from './model-refs.js';
import { byFieldOrder, type RecallResolver, type Resolution } from './resolver.js';

/** Lists that `append` extends rather than replaces: both kinds of reference image. */
const APPENDABLE: readonly RecallField[] = ['ip_adapters', 'reference_images'];
const APPEND_LIMITS: Partial<Record<RecallField, number>> = {
  ip_adapters: LIMITS.ipAdapters,
  reference_images: LIMITS.referenceImages,
};
const ALL_KEYS = RECALL_FIELDS.map(recallKey);
/** Fields that name models: only these are resolved against what the queue already holds. */
const MODEL_BEARING: readonly RecallField[] = ['model', 'refiner_model', 'vae_model', 'loras', 'control_layers', 'ip_adapters'];
const NO_CONTEXT: StoredContext = { mainModel: undefined, modelRefs: [] };
const MODEL_KEY = recallKey('model');
/** What a queue's context is read from. */
const CONTEXT_KEYS = [MODEL_KEY, MODEL_REFS_KEY];

export type { RecallOutcome };

/** What a recall may carry besides its parameters. */
export interface RecallContext {
  /** Hashes of the models named in the parameters, read from an image. */
  modelRefs?: readonly ModelRef[];
}

/** What a queue already holds that steers resolution: its main model and the model hashes kept for it. */
interface StoredContext {
  mainModel: string | undefined;
  modelRefs: ModelRef[];
}

/** Reads a publisher's answer: booleans come from publishers that only know "handed on" or not. */
function broadcastOf(result: RecallBroadcast | boolean): RecallBroadcast {
  if (result === true) return 'delivered';
  if (result === false) return 'failed';
  return result;
}

/** Maps an unreachable store to the API's 503 (a plain `catch`: no async frame on every recall). */
function guardStorage<T>(op: Promise<T>): Promise<T> {
  return op.catch((err: unknown) => {
    if (err instanceof StorageUnavailableError) throw storageFailure(err);
    throw err;
  });
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

const FIELD_ORDER = new Map<string, number>(RECALL_FIELDS.map((f, i) => [f, i]));

/**
 * The non-null recall fields of `params`, in the fields' order; null when there are none. Read by
 * walking what `params` holds (a validated body holds only what was sent, in schema order) rather
 * than looking up every field; a body in another order is read field by field.
 */
export function givenValues(params: RecallParameters): Partial<Record<RecallField, unknown>> | null {
  const given: Partial<Record<RecallField, unknown>> = {};
  let count = 0;
  let last = -1;
  for (const field in params) {
    const at = FIELD_ORDER.get(field);
    const v = params[field as RecallField];
    if (at === undefined || v === null || v === undefined) continue;
    if (at < last) return givenInFieldOrder(params);
    last = at;
    given[field as RecallField] = v;
    count++;
  }
  return count > 0 ? given : null;
}

function givenInFieldOrder(params: RecallParameters): Partial<Record<RecallField, unknown>> | null {
  const given: Partial<Record<RecallField, unknown>> = {};
  let count = 0;
  for (const field of RECALL_FIELDS) {
    const v = params[field];
    if (v !== null && v !== undefined) {
      given[field] = v;
      count++;
    }
  }
  return count > 0 ? given : null;
}

/**
 * Whether `JSON.stringify(a)` and `JSON.stringify(b)` give the same text: the same primitives, and
 * plain objects with the same keys in the same order. Cheaper than making the text. Conservative:
 * anything else (a NaN, an object with a prototype of its own) counts as different.
 */
export function sameJsonText(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonText(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJsonText((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * The JSON text of each provided value: stored as it is, and the resolver keys its kept lookups by
 * it. A script sends the same prompt, LoRAs and control layers time after time with another seed,
 * so the text each field had last is kept with its value and used again when the value is the same
 * (`sameJsonText`); the lists' JSON was a twentieth of a complete recall (docs/benchmarks.md).
 * The values kept are validated request bodies, which nothing changes afterwards.
 */
export class JsonTexts {
  private readonly last = new Map<RecallField, { value: unknown; text: string }>();

  of(provided: Partial<Record<RecallField, unknown>>): Map<RecallField, string> {
    const texts = new Map<RecallField, string>();
    for (const key in provided) {
      const field = key as RecallField;
      const value = provided[field];
      if (typeof value !== 'object' && typeof value !== 'string') {
        texts.set(field, jsonText(value));
        continue;
      }
      const last = this.last.get(field);
      if (last && sameJsonText(value, last.value)) {
        texts.set(field, last.text);
        continue;
      }
      const text = jsonText(value);
      if (last) {
        last.value = value;
        last.text = text;
      } else {
        this.last.set(field, { value, text });
      }
      texts.set(field, text);
    }
    return texts;
  }
}

/**
 * `JSON.stringify(value)`, numbers and booleans written without it: most fields are numbers, and
 * the call costs more than the text (a finite number's JSON is its `String`).
 */
function jsonText(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

/** The stored form of a recall: one JSON value per field, or a merge into the stored list for `append`. */
function writeEntries(provided: Partial<Record<RecallField, unknown>>, texts: ReadonlyMap<RecallField, string>, flags: RecallQuery): RecallWriteEntry[] {
  const entries: RecallWriteEntry[] = [];
  for (const [field, json] of texts) {
    const key = recallKey(field);
    if (!flags.append || !APPENDABLE.includes(field)) {
      entries.push({ key, value: json });
      continue;
    }
    const value = provided[field] as unknown[];
    entries.push({
      key,
      merge: (previous) => {
        const before = previous ? parseStored(field, previous) : null;
        const list = [...(before?.ok ? (before.value as unknown[]) : []), ...value];
        // Keep the newest entries when an append would pass the list's limit.
        return JSON.stringify(list.slice(-(APPEND_LIMITS[field] ?? list.length)));
      },
    });
  }
  return entries;
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

  private readonly publishOrder = new PublishOrder();
  private readonly jsonTexts = new JsonTexts();

  /** One recall into one or more queues; returns one outcome per queue, in the order given. */
  async recall(
    queueIds: readonly string[],
    params: RecallParameters,
    flags: RecallQuery,
    userId: string,
    context: RecallContext = {},
  ): Promise<RecallOutcome[]> {
    const given = givenValues(params);
    if (given === null) {
      return queueIds.map((queue_id) => ({ status: 'no_parameters_provided', updated_count: 0, queue_id }));
    }
    // Images given by URL or base64 land in outputs/images first; what is stored names them.
    const intake = needsImageIntake(given as RecallParameters)
      ? await takeInImages(given as RecallParameters, this.images, this.log)
      : { params: given as StoredRecallParameters, warnings: [] };
    const provided = intake.params as Partial<Record<RecallField, unknown>>;
    if (flags.strict) {
      for (const field of LIST_FIELDS) provided[field] ??= [];
    }

    const texts = this.jsonTexts.of(provided);
    const entries = writeEntries(provided, texts, flags);
    const updatedCount = entries.length;
    const refs = context.modelRefs ?? [];
    if (refs.length > 0) entries.push({ key: MODEL_REFS_KEY, merge: (previous) => mergeModelRefs(previous, refs) });

    // What each queue held before this write (its main model, for choosing among same-named LoRAs and
    // adapters, and model hashes from earlier images), when something is resolved against it: read by
    // the write itself, in its transaction, rather than in a transaction of its own.
    const readFirst = MODEL_BEARING.some((f) => provided[f] !== undefined) ? CONTEXT_KEYS : [];
    const recallId = randomUUID();
    const now = Date.now();
    // An unreachable store's error goes up as it is: the error handler answers it with the 503.
    const { revisions, before } = await this.repo.write(queueIds, entries, recallId, isoTime(now), { readFirst });
    // Places in each queue's line are taken now, in commit order, before anything else can run, so
    // events leave in revision order even when a later recall resolves faster.
    const places = queueIds.map((q) => this.publishOrder.enter(q, revisions.get(q)!));
    try {
      for (const q of queueIds) this.log.info(`Updated ${updatedCount} recall parameters for queue ${q}`);

      // Resolution runs after storing (spec "Implementation Details"): an unknown name drops out of the
      // broadcast but the stored values stay as sent. Queues holding the same context share one resolution.
      const resolutions = queueIds.length > 1 ? new Map<string, Resolution | Promise<Resolution>>() : null;
      const resolve = (queueId: string) => {
        const held = before.get(queueId);
        // A recall naming its main model is resolved against that, not against the stored one.
        const ctx = held ? contextOf(held, !provided.model) : NO_CONTEXT;
        const modelRefs = refs.length ? parseModelRefs(mergeModelRefs(JSON.stringify(ctx.modelRefs), refs)) : ctx.modelRefs;
        const run = () => this.resolver.resolve(provided as StoredRecallParameters, ctx.mainModel, modelRefs, texts);
        if (!resolutions) return run();
        const key = JSON.stringify([ctx.mainModel ?? null, modelRefs]);
        let r = resolutions.get(key);
        if (!r) resolutions.set(key, (r = run()));
        return r;
      };

      const outcomes: RecallOutcome[] = [];
      for (let i = 0; i < queueIds.length; i++) {
        const queue_id = queueIds[i]!;
        // Kept lookups answer at once; only a lookup made now is waited for.
        const resolving = resolve(queue_id);
        const resolved = resolving instanceof Promise ? await resolving : resolving;
        const parameters = flags.append ? Object.assign({}, resolved.parameters, { append: true as const }) : resolved.parameters;
        const warnings = mergeWarnings(intake.warnings, resolved.warnings);
        const revision = revisions.get(queue_id)!;
        const place = places[i]!;
        if (!place.ready()) await place.wait();
        const publishing = this.publish({
          timestamp: Math.floor(now / 1000),
          queue_id,
          user_id: userId,
          revision,
          recall_id: recallId,
          parameters,
          warnings,
        });
        const broadcast = publishing instanceof Promise ? await publishing : publishing;
        outcomes.push({ status: 'success', queue_id, updated_count: updatedCount, parameters, revision, warnings, broadcast });
      }
      return outcomes;
    } finally {
      for (const p of places) p.leave();
    }
  }

  /**
   * Hands one event to the socket layer; a stored recall is never failed by its broadcast. A
   * publisher that answers at once is answered at once (no promise for the common case).
   */
  private publish(event: RecallParametersUpdatedEvent): RecallBroadcast | Promise<RecallBroadcast> {
    const failed = (err: unknown): RecallBroadcast => {
      this.log.error({ err }, `Error emitting recall_parameters_updated for queue ${event.queue_id}`);
      return this.reportBroadcast(event, 'failed');
    };
    try {
      const result = this.events.publish(event);
      if (result instanceof Promise) return result.then((r) => this.reportBroadcast(event, broadcastOf(r)), failed);
      return this.reportBroadcast(event, broadcastOf(result));
    } catch (err) {
      return failed(err);
    }
  }

  private reportBroadcast(event: RecallParametersUpdatedEvent, broadcast: RecallBroadcast): RecallBroadcast {
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
    const snapshot = await guardStorage(this.repo.read(queueId, [...ALL_KEYS, MODEL_REFS_KEY]));
    const stored: Record<string, unknown> = {};
    const texts = new Map<RecallField, string>();
    for (const field of RECALL_FIELDS) {
      const text = snapshot.values.get(recallKey(field));
      if (text === undefined) continue;
      const parsed = parseStored(field, text);
      if (parsed.ok) {
        if (parsed.value !== null && parsed.value !== undefined) {
          stored[field] = parsed.value;
          texts.set(field, text);
        }
      } else {
        this.log.warn(`Ignoring stored ${recallKey(field)} of queue ${queueId}: ${parsed.error}`);
      }
    }
    const resolved = await this.resolver.resolve(stored as StoredRecallParameters, undefined, parseModelRefs(snapshot.values.get(MODEL_REFS_KEY)), texts);
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

}

/** A queue's stored main model (when `withMain`) and the model hashes kept for it, from its stored values. */
function contextOf(values: ReadonlyMap<string, string>, withMain: boolean): StoredContext {
  const text = withMain ? values.get(MODEL_KEY) : undefined;
  const parsed = text ? parseStored('model', text) : null;
  if (!parsed && !values.has(MODEL_REFS_KEY)) return NO_CONTEXT;
  return {
    mainModel: parsed?.ok && typeof parsed.value === 'string' ? parsed.value : undefined,
    modelRefs: parseModelRefs(values.get(MODEL_REFS_KEY)),
  };
}

/** Intake warnings (a refused URL, with its reason) stand in for the resolver's for the same entry. */
function mergeWarnings(intake: RecallWarning[], resolved: RecallWarning[]): RecallWarning[] {
  if (intake.length === 0) return resolved;
  const fields = new Set(intake.map((w) => w.field));
  return [...intake, ...resolved.filter((w) => !fields.has(w.field))].sort(byFieldOrder);
}
