import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../core/ports.js";
import { VolumeDriver } from "../../plugin/driver.js";
import { PluginServer } from "../../plugin/server.js";
import { LocalDirectory } from "../../plugin/localDirectory.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeNode } from "../fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../fakes/memoryState.js";
import { callPlugin } from "../support/pluginClient.js";

/** The real plugin server on a temporary Unix socket, wired to recording fakes. */
export async function startHarness() {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-conf-"));
  const socket = join(dir, "swarmvol.sock");
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  let uid = 0;
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `uid-${++uid}` });
  const driver = new VolumeDriver({
    directory, attacher: directory, mounts, filesystem: node.filesystem, logger: silentLogger, mountsDir: "/mnt/sv",
  });
  const server = new PluginServer({ driver, logger: silentLogger });
  await server.listen(socket);
  return {
    node, catalog, mounts, server, socket,
    call: (path: string, body?: unknown, raw?: string | Buffer) => callPlugin(socket, path, body, raw),
    async close() {
      await server.drain();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
export type Harness = Awaited<ReturnType<typeof startHarness>>;
