import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../core/ports.js";
import { createLocalDriver } from "../cli/allInOne.js";
import { PluginServer } from "../plugin/server.js";
import { callPluginOrThrow } from "./pluginCall.js";
import { summarise, type BenchResult } from "./stats.js";

const mountSamples = 1000;
const listVolumes = 1000;
const listSamples = 200;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Plugin verb latency over the real socket with the real driver, stores and local backend
 * (a real loop device and ext4). Mount of an already-mounted volume is Docker's hot path:
 * every container start on a node that already has the volume. Needs root.
 */
export async function benchPluginVerbs(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-"));
  const socket = join(dir, "plugin.sock");
  const { driver } = await createLocalDriver(join(dir, "state"), silentLogger);
  const server = new PluginServer({ driver, logger: silentLogger });
  await server.listen(socket);
  const call = (path: string, body: unknown) => callPluginOrThrow(socket, path, body);
  try {
    await call("/VolumeDriver.Create", { Name: "bench-mounted", Opts: { size: "64MiB" } });
    await call("/VolumeDriver.Mount", { Name: "bench-mounted", ID: "holder" });
    const mounts: number[] = [];
    for (let index = 0; index < mountSamples; index += 1) {
      const id = `bench-${index}`;
      mounts.push(await timed(() => call("/VolumeDriver.Mount", { Name: "bench-mounted", ID: id })));
      await call("/VolumeDriver.Unmount", { Name: "bench-mounted", ID: id });
    }
    for (let index = 0; index < listVolumes - 1; index += 1) {
      await call("/VolumeDriver.Create", { Name: `bench-${String(index).padStart(4, "0")}`, Opts: { size: "16MiB" } });
    }
    const lists: number[] = [];
    for (let index = 0; index < listSamples; index += 1) lists.push(await timed(() => call("/VolumeDriver.List", {})));
    await call("/VolumeDriver.Unmount", { Name: "bench-mounted", ID: "holder" });
    return [
      summarise("plugin.mount.already-mounted", "Mount of an already-mounted volume", "ms", mounts, { stat: "p99", max: 10 },
        "new mount ID each call: one atomic write of the node's mount table"),
      summarise("plugin.list.1000", `List of ${listVolumes} volumes`, "ms", lists, { stat: "p99", max: 20 }),
    ];
  } finally {
    await call("/VolumeDriver.Unmount", { Name: "bench-mounted", ID: "holder" }).catch(() => undefined);
    await server.drain();
    await rm(dir, { recursive: true, force: true });
  }
}
