import type { ClientStateRepository } from '../db/store.js';
import { StorageUnavailableError } from '../db/store.js';
import { storageFailure } from '../errors.js';

/** Per-queue key/value state of front ends (InvokeAI's client state persistence, scoped by queue here). */
export class ClientStateService {
  constructor(private readonly repo: ClientStateRepository) {}

  get = (queueId: string, key: string) => guard(() => this.repo.get(queueId, key));
  set = async (queueId: string, key: string, value: string) => {
    await guard(() => this.repo.set(queueId, key, value));
    return value;
  };
  keysByPrefix = (queueId: string, prefix: string) => guard(() => this.repo.keysByPrefix(queueId, prefix));
  delete = (queueId: string, key: string) => guard(() => this.repo.delete(queueId, key));
  deleteQueue = (queueId: string) => guard(() => this.repo.deleteQueue(queueId));
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof StorageUnavailableError) throw storageFailure(err);
    throw err;
  }
}
