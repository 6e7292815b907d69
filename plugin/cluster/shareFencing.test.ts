import { afterEach, expect, it } from "vitest";
import { unavailable } from "../../core/errors.js";
import { shareDevice } from "../../core/fileShares.js";
import { silentLogger, type LocalContainers, type NodeAttacher } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { FakeNode } from "../../test/fakes/fakeDevices.js";
import { FakeShareMounter } from "../../test/fakes/fakeShareMounter.js";
import { MemoryCatalog, MemoryMountTable } from "../../test/fakes/memoryState.js";
import { SteppedClock } from "../../test/fakes/steppedClock.js";
import { VolumeDriver } from "../driver.js";
import { LocalDirectory } from "../localDirectory.js";
import { LeaseKeeper } from "./leaseKeeper.js";

/** The self-fence (invariant 1) over a node holding a block volume ("db") and a file share ("logs"). */
async function setup() {
  const clock = new SteppedClock();
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `u${catalog.records.size}` });
  const shares = new FakeShareMounter(node.actions);
  const share = { mountTargetIp: "172.31.0.4", fileSystemId: "fs-01", accessPointId: "fsap-02", rootPath: "/swarmvol/logs" };
  const attacher: NodeAttacher = {
    attach: async (record) => (record.spec.name === "logs" ? { device: shareDevice(share), epoch: 1 } : directory.attach(record)),
    release: (record) => directory.release(record),
  };
  const driver = new VolumeDriver({ directory, attacher, shares, mounts, filesystem: node.filesystem, logger: silentLogger, mountsDir: "/mnt/sv" });
  for (const name of ["db", "logs"]) {
    await directory.create(name, null);
    await driver.mount(name, `mount-${name}`);
  }
  node.actions.length = 0;
  const containers: LocalContainers = {
    usingVolumes: async (names) => {
      node.actions.push(`containers using ${names.join(",")}`);
      return [{ id: "c1", name: "ci.1.x", volumes: ["db", "logs"] }];
    },
    kill: async (id) => void node.actions.push(`kill ${id}`),
  };
  const controller = { down: false };
  const keeper = new LeaseKeeper({
    api: { heartbeat: async () => {
      if (controller.down) throw unavailable("controller at http://10.0.0.1:7750 unreachable: connect ECONNREFUSED");
      return { ttlMs: 10_000, revoke: [] };
    } },
    nodeId: async () => "node-a", identity: { hostname: "worker-1", instanceId: "i-0a", zone: "eu-west-1a" },
    mounts, containers, fencer: driver, clock, logger: silentLogger,
  });
  return { clock, node, mounts, driver, shares, keeper, controller };
}

let keeper: LeaseKeeper | undefined;
afterEach(async () => keeper?.stop());

it("a lapsed lease kills the writers, then unmounts the file share with the share mounter as it unmounts the block volume", async () => {
  const t = await setup();
  keeper = t.keeper;
  t.keeper.start();
  await t.clock.settle();
  t.controller.down = true;
  await t.clock.advance(10_000);
  expect(t.keeper.isLive()).toBe(false);
  expect(t.node.actions).toEqual(["containers using db,logs", "kill c1", "unmount /mnt/sv/db", "share unmount /mnt/sv/logs"]);
  expect(t.shares.mounted.size).toBe(0);
  expect(t.mounts.list()).toEqual([]);
  expect((await t.driver.get("logs")).Status).toMatchObject({ fenced: expect.stringContaining("lease lapsed") });
});
