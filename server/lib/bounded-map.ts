/**
 * A map that holds at most `max` entries, for the per-process caches of facts that do not change
 * once written (settlement modes, channel types, credential versions, ledger account ids) and of
 * work worth keeping (compiled routing configurations, resolved webhook hosts). Setting a new key
 * when full drops the oldest entry; with `recency: "use"` a hit counts as new, so the least
 * recently used goes first. Memory stays bounded however many tenants one process serves, and a
 * full cache loses one entry at a time instead of all of them at once.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    readonly max: number,
    private readonly recency: "insert" | "use" = "insert",
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`A bounded map needs room for at least one entry (max ${max})`);
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined && this.recency === "use") {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): this {
    if (this.entries.has(key)) this.entries.delete(key);
    else if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
