/**
 * Persistence of the whole CloudState as one JSON file, written atomically (temp file,
 * fsync, rename) so a crash leaves either the old or the new state, never half of one.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { emptyState, type CloudState } from "./types.js";

export class StateFile {
  private writes: Promise<void> = Promise.resolve();
  private counter = 0;

  constructor(private readonly path: string) {}

  async load(): Promise<CloudState> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
      throw err;
    }
    const parsed = JSON.parse(text) as CloudState;
    if (parsed.schema !== 1) throw new Error(`unsupported state schema ${String(parsed.schema)} in ${this.path}`);
    return { ...emptyState(), ...parsed };
  }

  /** Queues a write of a snapshot of `state`; writes happen in order. */
  save(state: CloudState): Promise<void> {
    const text = JSON.stringify(state, null, 1);
    const write = this.writes.then(() => this.writeAtomic(text));
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async writeAtomic(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}-${++this.counter}`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }
}
