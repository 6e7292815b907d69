/**
 * EFS as `swarmvol controller` wires it (cli/backends.ts controllerEfs): the settings'
 * endpoint (AWS_ENDPOINT_URL_EFS, the lab's emulator) and pool, and each node's subnet from
 * EC2's DescribeInstances, through the real SDKs against the emulator serving both APIs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadControllerConfig } from "../core/clusterConfig.js";
import { silentLogger } from "../core/ports.js";
import { labSubnetId } from "../lab/cloud/efs/subnets.js";
import { labInstances, startTestCloud, SteppingClock, type TestCloud } from "../lab/cloud/testing.js";
import { EbsCloud } from "../storage/ebs/ebsCloud.js";
import { controllerEfs } from "./backends.js";

const [A, , C] = labInstances.map((i) => i.instanceId!) as [string, string, string];
let t: TestCloud | undefined;
afterEach(async () => t?.close());

describe("the controller's EFS", () => {
  it("reaches the endpoint of the settings, makes the settings' pool, and puts each node's mount target in its EC2 subnet", async () => {
    t = await startTestCloud();
    const clock = new SteppingClock(t.clock);
    const config = loadControllerConfig({ SWARMVOL_TOKEN: "t", AWS_ENDPOINT_URL_EFS: t.cloud.endpoint, SWARMVOL_EFS_POOL: "team-a", SWARMVOL_EFS_THROUGHPUT_MODE: "bursting" }, []);
    const ebs = new EbsCloud(t.ec2, clock, silentLogger, { random: () => 0.5 });
    const efs = controllerEfs(config, ebs, clock, silentLogger);

    const volume = await efs.volumes.create({ uid: "u1", name: "jenkins", sizeBytes: 0, zone: "us-east-1a", options: { backend: "efs" } });
    expect(volume.id).toMatch(/^fsap-/);
    await efs.volumes.attach(volume.id, A);
    await efs.volumes.detach(volume.id, A);
    await efs.volumes.attach(volume.id, C);

    const state = t.cloud.engine.state.efs;
    expect(Object.values(state.fileSystems).map((fs) => [fs.tags["swarmvol/share"], fs.throughputMode])).toEqual([["pool/team-a", "bursting"]]);
    expect(Object.values(state.mountTargets).map((mt) => [mt.zone, mt.subnetId]).sort()).toEqual([
      ["us-east-1a", labSubnetId("us-east-1a")], ["us-east-1b", labSubnetId("us-east-1b")],
    ]);
    expect(efs.requests()).toMatchObject({ CreateFileSystem: 1, CreateAccessPoint: 1, CreateMountTarget: 2 });
    expect(ebs.calls.byAction()).toEqual({ DescribeInstances: 2 });
  });
});
