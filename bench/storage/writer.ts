/**
 * The storage suites' instruments: a writer that does fsync'd 4 KiB writes, each timed,
 * on a filesystem it mounts in a mount namespace of its own, and a command runner that
 * runs a program in that namespace (fsfreeze must see the mount point). Nothing is
 * mounted in the bench's own namespace: a namespace another process makes meanwhile (a
 * lab node) would copy such a mount and keep the filesystem alive after its unmount,
 * which an MMP filesystem then rightly reports as still in use.
 */
import { spawn, spawnSync } from "node:child_process";
import type { CommandRunner } from "../../core/ports.js";

/** One write: when it began (epoch ms) and how long write + fsync took (ms). */
export interface WriteSample {
  at: number;
  ms: number;
}

export interface RunningWriter {
  /** The writer's process id, inside its mount namespace (for nsenter). */
  pid: number;
  /** Resolves once the filesystem is mounted and the first write is about to start. */
  ready: Promise<void>;
  /** Resolves with every write once the duration is over (the namespace, and its mount, end with it). */
  done: Promise<WriteSample[]>;
}

/** Bytes per write, and the span the writer cycles through (rewritten once full, like a WAL segment). */
export const WRITE_BYTES = 4096;
const SPAN_BYTES = 32 * 1024 ** 2;

/**
 * Run by `node --input-type=module -e`: argv is [node, file, durationMs, bytes, spanBytes].
 * Synchronous calls on purpose: nothing else runs in this process, so a sample is the
 * write and its fsync, not an event loop's delay.
 */
const WRITER_PROGRAM = `
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
const [file, duration, bytes, span] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const fd = openSync(file, "w");
const block = Buffer.alloc(bytes, 7);
const out = [];
process.stdout.write("READY\\n");
const end = Date.now() + duration;
for (let offset = 0; Date.now() < end; offset = (offset + bytes) % span) {
  const at = Date.now();
  const started = process.hrtime.bigint();
  writeSync(fd, block, 0, bytes, offset);
  fsyncSync(fd);
  out.push([at, Number(process.hrtime.bigint() - started) / 1e6]);
}
closeSync(fd);
process.stdout.write(JSON.stringify(out) + "\\n");
`;

/** Mounts `device` (ext4) at `mountPoint` in a new private mount namespace and writes there for `durationMs`. */
export function startWriter(device: string, mountPoint: string, durationMs: number): RunningWriter {
  const child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c",
    `mount -t ext4 "$1" "$2" && exec "$3" --input-type=module -e "$4" "$2/fsync.dat" "$5" "$6" "$7"`,
    "writer", device, mountPoint, process.execPath, WRITER_PROGRAM, String(durationMs), String(WRITE_BYTES), String(SPAN_BYTES)],
  { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith("READY\n")) markReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<WriteSample[]>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("[")) return reject(new Error(`writer on ${device} exited ${code}: ${err.trim().slice(0, 300)}`));
      resolve((JSON.parse(last) as Array<[number, number]>).map(([at, ms]) => ({ at, ms })));
    });
  });
  return { pid: child.pid ?? -1, ready: Promise.race([ready, done.then(() => undefined)]), done };
}

/** Runs every command inside the mount namespace of process `pid` (nsenter -m), with the base runner's deadline. */
export function inNamespaceOf(pid: number, base: CommandRunner): CommandRunner {
  return { run: (program, args, options) => base.run("nsenter", ["-t", String(pid), "-m", program, ...args], options) };
}

/** Mounts and unmounts `device` in a fresh private namespace; resolves with how long the mount took (ms). */
export function timedMount(device: string, mountPoint: string): number {
  const script = `s=$(date +%s%N); mount -t ext4 "$1" "$2" || exit 1; e=$(date +%s%N); umount "$2"; echo $(( (e - s) / 1000 ))`;
  const result = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "mount", device, mountPoint], { encoding: "utf8", timeout: 180_000 });
  if (result.status !== 0) throw new Error(`mount ${device} failed (exit ${result.status}): ${result.stderr.trim().slice(0, 300)}`);
  return Number(result.stdout.trim()) / 1000;
}

/** Detaches every loop device whose backing file is under `dir` (the suite's images, the emulator's volumes). */
export async function releaseLoopsUnder(runner: CommandRunner, dir: string): Promise<void> {
  const listed = await runner.run("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE"]);
  const devices = (JSON.parse(listed.stdout || '{"loopdevices":[]}') as { loopdevices: Array<{ name: string; "back-file"?: string }> }).loopdevices;
  for (const loop of devices) if ((loop["back-file"] ?? "").startsWith(dir)) await runner.run("losetup", ["-d", loop.name]);
}
