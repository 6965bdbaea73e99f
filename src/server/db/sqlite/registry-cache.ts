/**
 * Registry lookups kept in memory until the registry changes. Recall resolves the same few names
 * on every request; a scan, a hash update, or a commit by another connection to the same file
 * (`recall models scan` while the server runs) empties the cache.
 */
const CHECK_EVERY_MS = 100;

export class RegistryCache<V> {
  private readonly entries = new Map<string, V>();
  private seenVersion: number | null = null;
  private checkedAt = -Infinity;

  /**
   * @param max      entries kept; the oldest goes first, so a registry of any size costs bounded memory
   * @param version  SQLite's `PRAGMA data_version`: it changes when another connection commits
   */
  constructor(
    private readonly max: number,
    private readonly version: () => number,
  ) {}

  get(key: string, load: () => V): V {
    // Asking SQLite costs more than the lookup it saves, so at most every CHECK_EVERY_MS; a scan
    // by another process is seen that much later.
    const now = performance.now();
    if (now - this.checkedAt >= CHECK_EVERY_MS) {
      this.checkedAt = now;
      const version = this.version();
      if (version !== this.seenVersion) {
        this.entries.clear();
        this.seenVersion = version;
      }
    }
    if (this.entries.has(key)) return this.entries.get(key)!;
    const value = load();
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
    return value;
  }

  /** After a write through this connection, which `data_version` does not count. */
  clear(): void {
    this.entries.clear();
  }
}
