import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Adapter } from "lowdb";

/**
 * A lowdb adapter that survives kill -9 and power loss at any instant: it writes a temp
 * file, fsyncs it, renames it over the document and fsyncs the directory. lowdb's own
 * JSONFile renames too but never fsyncs, which is enough for a process crash and not for
 * a node crash — and a node crash is exactly what swarmvol is for.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  private readonly tempPath: string;
  private latest: string | undefined;
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private flushing = false;
  /** Documents actually written (each one fsync): fewer than writes under a burst. */
  flushes = 0;

  /**
   * @param sync fsync file and directory on every write (default). State that a node crash
   * makes meaningless anyway (this node's mount refcounts) can skip it: rename alone is
   * atomic against a process kill.
   */
  constructor(readonly path: string, private readonly sync = true) {
    this.tempPath = join(dirname(path), `.${basename(path)}.tmp`);
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    return JSON.parse(text) as T;
  }

  /**
   * Each write resolves once a document at least as new as its own is durable. Writes that
   * arrive while one is in flight are coalesced into the next one: under a burst (fifty
   * volumes placed at once) the catalog does a handful of fsyncs, not hundreds queued one
   * behind the other.
   */
  write(data: T): Promise<void> {
    this.latest = `${JSON.stringify(data, null, 1)}\n`;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) void this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.latest !== undefined) {
      const text = this.latest;
      const waiters = this.waiters.splice(0);
      this.latest = undefined;
      try {
        await this.writeNow(text);
        this.flushes += 1;
        for (const waiter of waiters) waiter.resolve();
      } catch (err) {
        for (const waiter of waiters) waiter.reject(err);
      }
    }
    this.flushing = false;
  }

  private async writeNow(text: string): Promise<void> {
    const file = await open(this.tempPath, "w", 0o600);
    try {
      await file.writeFile(text, "utf8");
      if (this.sync) await file.sync();
    } finally {
      await file.close();
    }
    await rename(this.tempPath, this.path);
    if (!this.sync) return;
    const directory = await open(dirname(this.path), "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** Removes a temp file left by a crash mid-write; the document itself is always whole. */
  async discardStaleTemp(): Promise<void> {
    await unlink(this.tempPath).catch(() => undefined);
  }
}
