/**
 * `npm run bench -- fsfreeze`: what a crash-consistent snapshot (ADR 0020) costs a writer
 * on the mounted volume. A 1 GiB EBS volume of the EC2 emulator (a real loop device), ext4
 * made by the product's mkfs, mounted by a writer that does fsync'd 4 KiB writes. Rounds
 * alternate a baseline phase (no snapshot) and a snapshot phase (every 2 s: the product's
 * FsFreeze freezes, CreateSnapshot goes through the real SDK, the filesystem is thawed:
 * the agent's window), so both see the same machine. The emulator copies the volume's
 * written bytes before it answers CreateSnapshot (EBS answers at once and copies later),
 * so its freeze window is the longer one; the window is reported beside the writes.
 * Needs root.
 */
import { AttachVolumeCommand, CreateSnapshotCommand, CreateVolumeCommand, DescribeVolumesCommand, EC2Client, type Volume } from "@aws-sdk/client-ec2";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCloud, type RunningCloud } from "../lab/cloud/index.js";
import { byIdName } from "../lab/cloud/loopDevices.js";
import { SystemBlockFilesystem } from "../storage/os/blockFilesystem.js";
import { ProcessRunner, SYSTEM_PATH } from "../storage/os/commandRunner.js";
import { FsFreeze } from "../storage/os/fsFreeze.js";
import { describeMs, splitByWindows, type Window } from "./storage/samples.js";
import { inNamespaceOf, releaseLoopsUnder, startWriter, type WriteSample } from "./storage/writer.js";
import { summarise, type BenchResult } from "./stats.js";

/** Short phases, many rounds: the shared machine's load changes from minute to minute, and both phases must see it alike. */
const ROUNDS = 5;
const PHASE_MS = 8_000;
const SNAPSHOT_EVERY_MS = 2_000;
const FREEZE_TIMEOUT_MS = 10_000;
const INSTANCE = "i-0fee0000000000001";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(ec2: EC2Client, id: string, ok: (v: Volume) => boolean): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 200) {
    const volume = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0];
    if (volume !== undefined && ok(volume)) return;
    await sleep(200);
  }
  throw new Error(`volume ${id} did not reach the expected state in 60 s`);
}

/** A 1 GiB volume attached to the one instance; resolves with its device path. */
async function attachedVolume(ec2: EC2Client, deviceDir: string): Promise<{ id: string; device: string }> {
  const id = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1, VolumeType: "gp3" }))).VolumeId as string;
  await until(ec2, id, (v) => v.State === "available");
  await ec2.send(new AttachVolumeCommand({ VolumeId: id, InstanceId: INSTANCE, Device: "/dev/xvdf" }));
  await until(ec2, id, (v) => v.Attachments?.[0]?.State === "attached");
  return { id, device: join(deviceDir, byIdName(id)) };
}

/** One snapshot phase: a snapshot every 2 s under a freeze while the writer writes; the freeze windows. */
async function snapshotPhase(ec2: EC2Client, volumeId: string, device: string, mountPoint: string, runner: ProcessRunner) {
  const writer = startWriter(device, mountPoint, PHASE_MS);
  await writer.ready;
  const freezer = new FsFreeze(inNamespaceOf(writer.pid, runner));
  const windows: Window[] = [];
  const stopAt = Date.now() + PHASE_MS - SNAPSHOT_EVERY_MS;
  while (Date.now() + SNAPSHOT_EVERY_MS < stopAt) {
    await sleep(SNAPSHOT_EVERY_MS);
    const from = Date.now();
    await freezer.freeze(mountPoint, FREEZE_TIMEOUT_MS);
    try {
      await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: "bench fsfreeze" }));
    } finally {
      await freezer.thaw(mountPoint, FREEZE_TIMEOUT_MS);
      windows.push({ from, to: Date.now() });
    }
  }
  return { samples: await writer.done, windows };
}

export async function benchFsFreeze(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-freeze-"));
  const deviceDir = join(dir, "dev");
  const mountPoint = join(dir, "mnt");
  await mkdir(deviceDir);
  await mkdir(mountPoint);
  const runner = new ProcessRunner({ path: SYSTEM_PATH });
  let cloud: RunningCloud | undefined;
  try {
    cloud = await startCloud({
      instances: [{ instanceId: INSTANCE, name: "node1", zone: "us-east-1a", deviceDir, privateIp: "10.213.0.11" }],
      dataDir: join(dir, "data"), devices: "loop", seed: 1,
    });
    const ec2 = new EC2Client({ endpoint: cloud.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" }, maxAttempts: 1 });
    const { id, device } = await attachedVolume(ec2, deviceDir);
    await new SystemBlockFilesystem(runner).makeFilesystem(device, "ext4", "bench-freeze");
    const baseline: WriteSample[] = [];
    const frozen: WriteSample[] = [];
    const windows: Window[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      // The phases swap order every other round, so neither always follows the other.
      for (const snapshots of round % 2 === 1 ? [false, true] : [true, false]) {
        if (!snapshots) {
          const samples = await startWriter(device, mountPoint, PHASE_MS).done;
          baseline.push(...samples);
          process.stderr.write(`bench: fsfreeze round ${round} baseline: writes ${describeMs(samples.map((s) => s.ms))}\n`);
          continue;
        }
        const phase = await snapshotPhase(ec2, id, device, mountPoint, runner);
        frozen.push(...phase.samples);
        windows.push(...phase.windows);
        process.stderr.write(`bench: fsfreeze round ${round} snapshots: ${phase.windows.length}, windows ${describeMs(phase.windows.map((w) => w.to - w.from))}, writes ${describeMs(phase.samples.map((s) => s.ms))}\n`);
      }
    }
    return freezeResults(baseline, frozen, windows);
  } finally {
    await cloud?.close();
    await releaseLoopsUnder(runner, dir);
    await rm(dir, { recursive: true, force: true });
  }
}

function freezeResults(baseline: readonly WriteSample[], frozen: readonly WriteSample[], windows: readonly Window[]): BenchResult[] {
  const { overlapping, clear } = splitByWindows(frozen, windows);
  const cadence = `${ROUNDS} rounds of a ${PHASE_MS / 1000} s phase of each, alternating (order swapped every other round); a snapshot every ${SNAPSHOT_EVERY_MS / 1000} s in the snapshot phases (${windows.length} in all)`;
  return [
    summarise("storage.fsfreeze.write-baseline", "fsync'd 4 KiB write, no snapshot (baseline, same run)", "ms", baseline.map((s) => s.ms), null, cadence),
    summarise("storage.fsfreeze.write-with-snapshots", "fsync'd 4 KiB write while the volume is snapshotted under fsfreeze every 2 s", "ms", frozen.map((s) => s.ms), null,
      `writes overlapping a freeze: ${describeMs(overlapping.map((s) => s.ms))}; the others: ${describeMs(clear.map((s) => s.ms))}; ${cadence}`),
    summarise("storage.fsfreeze.window", "fsfreeze window: freeze → CreateSnapshot answered (emulator copies the written bytes) → thawed", "ms",
      windows.map((w) => w.to - w.from), null, "1 GiB emulator volume on a loop device; on EBS CreateSnapshot answers without copying"),
  ];
}
