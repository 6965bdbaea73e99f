import { createLogWriter } from '@roarr/browser-log-writer';
import { Roarr, ROARR, type Logger } from 'roarr';

/**
 * Browser debug logging with roarr. Off by default; switched on from localStorage:
 *
 *   localStorage.setItem('ROARR_LOG', 'true');
 *   localStorage.setItem('ROARR_FILTER', 'context.logLevel:>=20');   // debug and up
 *
 * ROARR_FILTER is a Liqe query over the message (the spec's `'debug'` is not one: it matches the
 * text "debug" anywhere). Namespaces: see LOG_NAMESPACES; docs/web-ui.md has more filters.
 */
export const LOG_NAMESPACES = ['app', 'socket', 'recall', 'persistence', 'models', 'gallery'] as const;
export type LogNamespace = (typeof LOG_NAMESPACES)[number];

export interface LoggingStatus {
  enabled: boolean;
  filter: string | null;
  /** Set when ROARR_FILTER could not be parsed; logging then runs unfiltered. */
  filterError: string | null;
}

/** Installs the browser writer; call once, before anything logs. */
export function initLogging(storage: Storage): LoggingStatus {
  const enabled = /^(true|1|yes|on)$/i.test(storage.getItem('ROARR_LOG') ?? '');
  const filter = storage.getItem('ROARR_FILTER');
  try {
    ROARR.write = createLogWriter({ storage });
    return { enabled, filter, filterError: null };
  } catch (err) {
    const unfiltered: Pick<Storage, 'getItem'> = { getItem: (k) => (k === 'ROARR_FILTER' ? null : storage.getItem(k)) };
    ROARR.write = createLogWriter({ storage: unfiltered as Storage });
    const filterError = err instanceof Error ? err.message : String(err);
    console.warn(`[recall] localStorage ROARR_FILTER ${JSON.stringify(filter)} is not a valid Liqe query (${filterError}); logging everything. Try 'context.logLevel:>=20'.`);
    return { enabled, filter, filterError };
  }
}

export const logger = (namespace: LogNamespace): Logger => Roarr.child({ namespace });
