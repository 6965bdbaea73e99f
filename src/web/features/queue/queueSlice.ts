import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { RecallWarning, ResolvedRecallParameters } from '../../../shared/recall.js';
import { queueSelected, userStateRestored } from '../../app/actions.js';

export const DEFAULT_QUEUE_ID = 'default';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

/** What one applied recall changed: counts are null for lists the recall did not carry. */
export interface RecallCounts {
  parameters: number;
  loras: number | null;
  controlLayers: number | null;
  ipAdapters: number | null;
  referenceImages: number | null;
}

export interface RecallApplied {
  source: 'event' | 'catch-up';
  revision: number;
  recallId: string | null;
  /** The queue's stored recall after this one, resolved: the next catch-up is judged against it. */
  baseline: ResolvedRecallParameters;
  counts: RecallCounts;
  append: boolean;
  warnings: RecallWarning[];
  /** Things the page adjusted or could not use (snapped sizes, mismatched bases, unknown models). */
  notes: string[];
  /** Milliseconds since the epoch when the page applied it. */
  at: number;
}

export interface QueueState {
  queueId: string;
  /** The revision of the last recall applied on this page (0: none). */
  revision: number;
  baseline: ResolvedRecallParameters;
  connection: { status: ConnectionStatus; error: string | null };
  subscription: 'none' | 'pending' | 'subscribed' | 'failed';
  /** Whether the user's saved state of this queue was read; saving waits for it. */
  restore: 'pending' | 'done' | 'failed';
  save: 'idle' | 'pending' | 'saving' | 'saved' | 'failed';
  lastRecall: RecallApplied | null;
}

export const initialQueueState = (queueId: string = DEFAULT_QUEUE_ID): QueueState => ({
  queueId,
  revision: 0,
  baseline: {},
  connection: { status: 'connecting', error: null },
  subscription: 'none',
  restore: 'pending',
  save: 'idle',
  lastRecall: null,
});

export const queueSlice = createSlice({
  name: 'queue',
  initialState: initialQueueState(),
  reducers: {
    socketConnected(state) {
      state.connection = { status: 'connected', error: null };
    },
    socketReconnecting(state) {
      state.connection.status = 'connecting';
    },
    socketDisconnected(state, action: PayloadAction<string | null>) {
      state.connection = { status: 'disconnected', error: action.payload };
      state.subscription = 'none';
    },
    queueSubscriptionRequested(state) {
      state.subscription = 'pending';
    },
    queueSubscribed(state) {
      state.subscription = 'subscribed';
    },
    queueSubscriptionFailed(state) {
      state.subscription = 'failed';
    },
    recallApplied(state, action: PayloadAction<RecallApplied>) {
      state.revision = action.payload.revision;
      state.baseline = action.payload.baseline;
      state.lastRecall = action.payload;
    },
    /** The server's revision went back (its store was reset): start counting from its state. */
    revisionReset(state, action: PayloadAction<{ revision: number; baseline: ResolvedRecallParameters }>) {
      state.revision = action.payload.revision;
      state.baseline = action.payload.baseline;
    },
    userStateNotFound(state) {
      state.restore = 'done';
    },
    userStateRestoreFailed(state) {
      state.restore = 'failed';
    },
    userStateSaveScheduled(state) {
      state.save = 'pending';
    },
    userStateSaveStarted(state) {
      state.save = 'saving';
    },
    userStateSaved(state) {
      state.save = 'saved';
    },
    userStateSaveFailed(state) {
      state.save = 'failed';
    },
  },
  extraReducers: (builder) => {
    builder.addCase(queueSelected, (state, action) => ({
      ...initialQueueState(action.payload),
      connection: state.connection,
    }));
    builder.addCase(userStateRestored, (state, action) => {
      state.revision = action.payload.revision;
      state.baseline = action.payload.baseline;
      state.restore = 'done';
    });
  },
});

export const {
  socketConnected,
  socketReconnecting,
  socketDisconnected,
  queueSubscriptionRequested,
  queueSubscribed,
  queueSubscriptionFailed,
  recallApplied,
  revisionReset,
  userStateNotFound,
  userStateRestoreFailed,
  userStateSaveScheduled,
  userStateSaveStarted,
  userStateSaved,
  userStateSaveFailed,
} = queueSlice.actions;
