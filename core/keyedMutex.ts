/**
 * Serialises work per key while letting different keys run in parallel: Docker may call
 * Mount and Unmount of one volume concurrently (two containers), and each must see the
 * other's effect. Keys with no waiter are forgotten, so memory follows in-flight work.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with work queued or running (for tests and drain). */
  get size(): number {
    return this.tails.size;
  }
}
