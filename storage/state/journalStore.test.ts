import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JournalStore } from "./journalStore.js";

describe("JournalStore", () => {
  it("keeps the newest keepFinished entries beyond the pending ones, whatever the churn", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sv-journal-"));
    try {
      const journal = await JournalStore.open(join(dir, "journal.json"), () => 0, { keepFinished: 5 });
      const stuck = await journal.begin("crashed", { kind: "createCloudVolume", zone: "z1" });
      for (let n = 0; n < 20; n += 1) await journal.finish(await journal.begin(`v${n}`, { kind: "createCloudVolume", zone: "z1" }));
      const kept = journal.recent();
      expect(kept.length).toBeLessThanOrEqual(6);
      expect(kept.map((entry) => entry.volume)).toContain("crashed");
      expect(kept.at(-1)?.volume).toBe("v19");
      expect(journal.pending().map((entry) => entry.id)).toEqual([stuck.id]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
