/**
 * `npm run bench -- mmp`: what `-o mmp=on` (ADR 0028) costs, against `off` in the same run.
 * Two 1 GiB images on loop devices, ext4 made by the product's mkfs with and without
 * multi-mount protection. Measured:
 * - fsync'd 4 KiB write latency: rounds alternate the two filesystems (the MMP thread
 *   writes its block once a second meanwhile);
 * - the agent's mount of an existing filesystem: the product's e2fsck -p, then mount (in a
 *   fresh mount namespace), after a clean unmount;
 * - the same after a crash: a copy of the image taken while the writer wrote (what a node
 *   that died with the volume mounted leaves: an MMP block still marked in use, a journal
 *   to replay), checked and mounted on a loop device of its own.
 * Needs root.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SystemBlockFilesystem } from "../storage/os/blockFilesystem.js";
import { ProcessRunner, SYSTEM_PATH } from "../storage/os/commandRunner.js";
import { describeMs } from "./storage/samples.js";
import { releaseLoopsUnder, startWriter, timedMount } from "./storage/writer.js";
import { summarise, type BenchResult } from "./stats.js";

/** Short phases, many rounds: the shared machine's load changes from minute to minute, and both kinds must see it alike. */
const WRITE_ROUNDS = 6;
const PHASE_MS = 5_000;
/** Crash copies are taken in the first rounds only: each costs a 44 s check with MMP. */
const CRASH_ROUNDS = 2;
const CLEAN_MOUNTS = 3;
const kinds = ["off", "on"] as const;
type Kind = (typeof kinds)[number];

interface Measures {
  writes: Record<Kind, number[]>;
  clean: Record<Kind, Array<{ check: number; mount: number }>>;
  crash: Record<Kind, Array<{ check: number; mount: number }>>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sh = (program: string, args: string[]) => {
  const result = spawnSync(program, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${program} ${args.join(" ")}: ${result.stderr.trim()}`);
  return result.stdout.trim();
};

const attachLoop = (path: string) => sh("losetup", ["--find", "--show", path]);

/** A new sparse 1 GiB image on a loop device of its own. */
async function loopImage(path: string): Promise<string> {
  const handle = await open(path, "w");
  await handle.truncate(1024 ** 3);
  await handle.close();
  return attachLoop(path);
}

/** The agent's Mount of an existing filesystem: e2fsck -p (the product's check), then mount. */
async function checkAndMount(filesystem: SystemBlockFilesystem, device: string, mountPoint: string): Promise<{ check: number; mount: number }> {
  const started = Date.now();
  await filesystem.check(device, "ext4");
  const check = Date.now() - started;
  return { check, mount: timedMount(device, mountPoint) };
}

export async function benchMmp(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-mmp-"));
  const mountPoint = join(dir, "mnt");
  await mkdir(mountPoint);
  const runner = new ProcessRunner({ path: SYSTEM_PATH });
  const filesystem = new SystemBlockFilesystem(runner);
  const measures: Measures = { writes: { off: [], on: [] }, clean: { off: [], on: [] }, crash: { off: [], on: [] } };
  try {
    const devices = {} as Record<Kind, string>;
    for (const kind of kinds) {
      devices[kind] = await loopImage(join(dir, `${kind}.img`));
      await filesystem.makeFilesystem(devices[kind], "ext4", `bench-mmp-${kind}`, { multiMountProtection: kind === "on" });
    }
    const crashImages: Array<{ kind: Kind; path: string }> = [];
    for (let round = 1; round <= WRITE_ROUNDS; round += 1) {
      for (const kind of round % 2 === 1 ? kinds : [...kinds].reverse()) {
        const writer = startWriter(devices[kind], mountPoint, PHASE_MS);
        await writer.ready;
        if (round <= CRASH_ROUNDS) {
          await sleep(PHASE_MS / 2);
          const crashed = join(dir, `crash-${kind}-${round}.img`);
          sh("cp", ["--sparse=always", join(dir, `${kind}.img`), crashed]);
          crashImages.push({ kind, path: crashed });
        }
        const samples = (await writer.done).map((sample) => sample.ms);
        measures.writes[kind].push(...samples);
        process.stderr.write(`bench: mmp writes ${kind} round ${round}: ${describeMs(samples)}\n`);
      }
    }
    for (let sample = 1; sample <= CLEAN_MOUNTS; sample += 1) {
      for (const kind of kinds) measures.clean[kind].push(await checkAndMount(filesystem, devices[kind], mountPoint));
    }
    for (const { kind, path } of crashImages) {
      measures.crash[kind].push(await checkAndMount(filesystem, attachLoop(path), mountPoint));
      process.stderr.write(`bench: mmp mount after a crash ${kind}: ${JSON.stringify(measures.crash[kind].at(-1))}\n`);
    }
    return mmpResults(measures);
  } finally {
    await releaseLoopsUnder(runner, dir);
    await rm(dir, { recursive: true, force: true });
  }
}

function mmpResults(m: Measures): BenchResult[] {
  const parts = (list: ReadonlyArray<{ check: number; mount: number }>) => list.map((s) => `${s.check}+${s.mount.toFixed(0)}`).join(", ");
  const mountNote = (kind: Kind, list: ReadonlyArray<{ check: number; mount: number }>) =>
    `e2fsck+mount ms per sample: ${parts(list)}; ${kind === "on" ? "mmp=on (update interval 1 s)" : "mmp=off"}; same run as the other`;
  const results: BenchResult[] = [];
  for (const kind of kinds) {
    results.push(summarise(`storage.mmp.write-${kind}`, `fsync'd 4 KiB write, ext4 mmp=${kind}`, "ms", m.writes[kind], null,
      `${WRITE_ROUNDS} rounds of ${PHASE_MS / 1000} s, on and off alternating (order reversed every other round); 1 GiB loop device`));
  }
  for (const kind of kinds) {
    results.push(summarise(`storage.mmp.mount-clean-${kind}`, `Mount of an existing filesystem (e2fsck -p + mount), mmp=${kind}`, "ms",
      m.clean[kind].map((s) => s.check + s.mount), null, mountNote(kind, m.clean[kind])));
  }
  for (const kind of kinds) {
    results.push(summarise(`storage.mmp.mount-after-crash-${kind}`, `Mount after the holder died mounted (e2fsck -p with journal replay + mount), mmp=${kind}`, "ms",
      m.crash[kind].map((s) => s.check + s.mount), null, mountNote(kind, m.crash[kind])));
  }
  return results;
}
