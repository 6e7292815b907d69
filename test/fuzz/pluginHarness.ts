/**
 * The plugin's real Unix-socket server and driver over the recording fakes, with the fake
 * node's attachments tracked too, so a property can compare what Docker is told (List) with
 * what the "OS" holds: images, attached devices, mounts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../core/ports.js";
import { VolumeDriver } from "../../plugin/driver.js";
import { LocalDirectory } from "../../plugin/localDirectory.js";
import { PluginServer } from "../../plugin/server.js";
import { FakeClock } from "../fakes/clock.js";
import { deviceOf, FakeNode } from "../fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../fakes/memoryState.js";
import { exchange, post, type RawAnswer } from "./rawHttp.js";

export const mountsDir = "/mnt/sv";

export interface PluginHarness {
  node: FakeNode;
  catalog: MemoryCatalog;
  mounts: MemoryMountTable;
  /** Volumes attached on the fake node and not yet detached. */
  attached: Set<string>;
  socketPath: string;
  call(path: string, body?: unknown): Promise<RawAnswer | undefined>;
  close(): Promise<void>;
}

export async function startPluginHarness(): Promise<PluginHarness> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-fuzz-plugin-"));
  const socketPath = join(dir, "p.sock");
  const node = new FakeNode();
  const attached = new Set<string>();
  const { attach, detach } = node.backend;
  node.backend.attach = async (record) => {
    const device = await attach(record);
    attached.add(record.spec.name);
    return device;
  };
  node.backend.detach = async (record) => {
    await detach(record);
    attached.delete(record.spec.name);
  };
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  let uid = 0;
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `u${++uid}` });
  const driver = new VolumeDriver({ directory, attacher: directory, mounts, filesystem: node.filesystem, logger: silentLogger, mountsDir });
  const server = new PluginServer({ driver, logger: silentLogger });
  await server.listen(socketPath);
  return {
    node, catalog, mounts, attached, socketPath,
    call: (path, body) => exchange({ socketPath }, post(path, body)),
    async close() {
      await server.drain();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What must agree once no call is in flight: the catalog, Docker's List, the fake images,
 * the mount table, the fake mounts and the attachments. Returns what disagrees, or [].
 */
export async function disagreements(h: PluginHarness): Promise<string[]> {
  const problems: string[] = [];
  const list = await h.call("/VolumeDriver.List", {});
  const listed = ((JSON.parse(list?.body ?? "{}") as { Volumes?: Array<{ Name: string }> }).Volumes ?? []).map((v) => v.Name).sort();
  const records = h.catalog.list();
  const cataloged = records.map((r) => r.spec.name).sort();
  if (records.some((r) => r.status.phase !== "ready")) problems.push("a catalog entry is still creating");
  if (JSON.stringify(listed) !== JSON.stringify(cataloged)) problems.push(`List ${JSON.stringify(listed)} is not the catalog ${JSON.stringify(cataloged)}`);
  const images = [...h.node.devices.keys()].sort();
  const expectedImages = records.map(deviceOf).sort();
  if (JSON.stringify(images) !== JSON.stringify(expectedImages)) problems.push(`images ${JSON.stringify(images)} are not the catalog's ${JSON.stringify(expectedImages)}`);
  const inUse = h.mounts.list().filter(([, entry]) => entry.ids.length > 0);
  const mountedRoots = [...h.node.mounted.keys()].sort();
  const tableRoots = inUse.map(([, entry]) => entry.mountRoot).sort();
  if (JSON.stringify(mountedRoots) !== JSON.stringify(tableRoots)) problems.push(`mounts ${JSON.stringify(mountedRoots)} are not the mount table's ${JSON.stringify(tableRoots)}`);
  const attached = [...h.attached].sort();
  const mountedNames = inUse.map(([name]) => name).sort();
  if (JSON.stringify(attached) !== JSON.stringify(mountedNames)) problems.push(`attached ${JSON.stringify(attached)} are not the mounted ${JSON.stringify(mountedNames)}`);
  if (inUse.some(([name]) => !cataloged.includes(name))) problems.push("a mounted volume is not in the catalog");
  return problems;
}
