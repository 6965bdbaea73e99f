import { zRecallParametersUpdatedEvent } from '../../../shared/recall.js';
import { revisionReset } from '../../features/queue/queueSlice.js';
import type { RecallApi } from '../api.js';
import { logger } from '../logging.js';
import type { AppStore } from '../store.js';
import { applyRecall } from './apply-recall.js';
import { diffRecall, mergeRecall } from './baseline.js';
import { judgeRevision } from './revision.js';

const log = logger('recall');

/**
 * Applies whatever the queue's stored recall has beyond the revision this page applied. Returns
 * false when the server could not be asked (the caller retries).
 */
export async function catchUp(store: AppStore, api: RecallApi, reason: string): Promise<boolean> {
  const queue = store.getState().queue.queueId;
  let remote;
  try {
    remote = await api.getRecallState(queue);
  } catch (err) {
    log.warn({ queue, reason, error: String(err) }, 'Catch-up failed');
    return false;
  }
  if (queue !== store.getState().queue.queueId) return true;
  const { revision, baseline } = store.getState().queue;
  if (remote.revision > revision) {
    log.info({ queue, reason, from: revision, to: remote.revision }, 'Catching up from recall #%d to #%d', revision, remote.revision);
    await applyRecall(store, api, diffRecall(revision > 0 ? baseline : null, remote.parameters), {
      source: 'catch-up',
      revision: remote.revision,
      recallId: null,
      warnings: remote.warnings,
      baseline: remote.parameters,
    });
  } else if (remote.revision < revision) {
    log.warn({ queue, local: revision, remote: remote.revision }, 'The server forgot recalls this page applied; following its count');
    store.dispatch(revisionReset({ revision: remote.revision, baseline: remote.parameters }));
  } else {
    log.debug({ queue, revision }, 'Up to date at recall #%d', revision);
  }
  return true;
}

/**
 * One `recall_parameters_updated` event: ignored when it is for another queue or a repeat, applied
 * when it is the next revision, and a catch-up when revisions were skipped.
 */
export async function handleRecallEvent(store: AppStore, api: RecallApi, raw: unknown): Promise<'ignored' | 'repeat' | 'applied' | 'gap'> {
  const parsed = zRecallParametersUpdatedEvent.safeParse(raw);
  if (!parsed.success) {
    log.error({ issue: parsed.error.issues[0]?.message }, 'Ignoring a malformed recall_parameters_updated event');
    return 'ignored';
  }
  const event = parsed.data;
  const { queueId, revision, baseline } = store.getState().queue;
  if (event.queue_id !== queueId) {
    log.debug({ queue: event.queue_id }, 'Ignoring an event of queue %s', event.queue_id);
    return 'ignored';
  }
  const verdict = judgeRevision(revision, event.revision);
  log.debug({ revision: event.revision, applied: revision, verdict, recallId: event.recall_id }, 'Event for recall #%d: %s', event.revision, verdict);
  if (verdict === 'repeat') return 'repeat';
  if (verdict === 'gap') return 'gap';
  await applyRecall(store, api, event.parameters, {
    source: 'event',
    revision: event.revision,
    recallId: event.recall_id,
    warnings: event.warnings,
    baseline: mergeRecall(baseline, event.parameters),
  });
  return 'applied';
}
