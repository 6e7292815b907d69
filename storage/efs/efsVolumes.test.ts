/**
 * EFS's controller verbs through EfsCloud and the real @aws-sdk/client-efs against the
 * emulator: a volume created, placed on an instance (its zone's mount target, the
 * `swarmvol/at/<instance>` tag), released, and deleted, on the wire (ADR 0027).
 */
import { afterEach, describe, expect, it } from "vitest";
import { labSubnetId } from "../../lab/cloud/efs/subnets.js";
import { startTestEfs, type TestEfs } from "../../lab/cloud/efs/testing.js";
import { SteppingClock } from "../../lab/cloud/testing.js";
import { ErrorCode } from "../../core/errors.js";
import { parseShareDevice } from "../../core/fileShares.js";
import { EfsCloud } from "./efsCloud.js";
import { EfsVolumes } from "./efsVolumes.js";

let t: TestEfs | undefined;
afterEach(async () => t?.close());

const zoneOf: Record<string, string> = { "i-a": "us-east-1a", "i-b": "us-east-1b" };

async function setup() {
  t = await startTestEfs({ faults: { latencyMs: { fileSystemCreate: 3000, accessPointCreate: 1000, mountTargetCreate: 30_000 } } });
  const shares = new EfsCloud(t.efs, new SteppingClock(t.clock), { random: () => 0.5 });
  const volumes = new EfsVolumes(shares, {
    pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
    region: "us-east-1",
    subnetOf: async (instanceId) => ({ subnetId: labSubnetId(zoneOf[instanceId] as string), zone: zoneOf[instanceId] as string }),
  });
  return { shares, volumes, efs: () => t!.cloud.engine.state.efs };
}

describe("EfsVolumes on the EFS API", () => {
  it("creates an access point, places it in two zones in turn, releases and deletes it", async () => {
    const { volumes, efs } = await setup();
    const request = { uid: "u1", name: "jenkins", sizeBytes: 0, zone: "us-east-1a", options: { uid: "1000", gid: "1000" } };
    const created = await volumes.create(request);
    expect(created).toMatchObject({ zone: "us-east-1", regional: true, state: "available", attachments: [] });
    expect((await volumes.create(request)).id).toBe(created.id);
    await volumes.setTags(created.id, { "swarmvol/epoch": "1" });
    const placed = await volumes.attach(created.id, "i-a");
    expect(parseShareDevice(placed.device)).toMatchObject({ accessPointId: created.id, rootPath: "/swarmvol/jenkins" });
    expect(await volumes.describe([created.id])).toMatchObject([{ state: "in-use", attachments: [{ instanceId: "i-a", device: placed.device }], tags: { "swarmvol/epoch": "1" } }]);
    await expect(volumes.attach(created.id, "i-b")).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await expect(volumes.delete(created.id)).rejects.toMatchObject({ code: ErrorCode.InUse });

    await volumes.detach(created.id, "i-a");
    await volumes.attach(created.id, "i-b");
    expect(Object.values(efs().mountTargets).map((m) => m.zone).sort()).toEqual(["us-east-1a", "us-east-1b"]);
    expect((await volumes.describe()).map((v) => v.attachments.map((a) => a.instanceId))).toEqual([["i-b"]]);
    await volumes.detach(created.id, "i-b");
    await volumes.delete(created.id);
    await volumes.delete(created.id);
    expect(await volumes.describe([created.id])).toEqual([]);
    await volumes.detach(created.id, "i-b");
    expect(Object.keys(efs().fileSystems)).toHaveLength(1);
  });
});
