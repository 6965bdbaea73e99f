import type { RecallApi } from '../../app/api.js';
import { logger } from '../../app/logging.js';
import type { AppStore } from '../../app/store.js';
import { modelsLoaded, modelsLoadFailed, modelsRequested } from './modelsSlice.js';

const log = logger('models');

/** (Re)loads the registry's model list into the store. */
export async function loadModels(store: AppStore, api: RecallApi): Promise<void> {
  store.dispatch(modelsRequested());
  try {
    const models = await api.listModels();
    store.dispatch(modelsLoaded(models));
    log.debug({ count: models.length }, 'Loaded %d models', models.length);
  } catch (err) {
    log.error({ error: String(err) }, 'Could not load the model list');
    store.dispatch(modelsLoadFailed(err instanceof Error ? err.message : String(err)));
  }
}
