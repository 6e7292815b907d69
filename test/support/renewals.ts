import type { ManualTime } from "../fakes/fakeSwarm.js";

/**
 * Advances manual time by `ms` in one-second renewal periods, each node of `alive` renewing
 * its lease (`heartbeat`) at the start of each: component tests of a whole Controller let
 * time pass this way, so a live node's lease never lapses while a dead one's does.
 */
export async function runRenewing(time: ManualTime, ms: number, alive: readonly string[], heartbeat: (nodeId: string) => Promise<unknown>): Promise<void> {
  for (let done = 0; done < ms; done += 1_000) {
    for (const id of alive) await heartbeat(id);
    await time.advance(1_000);
  }
}
