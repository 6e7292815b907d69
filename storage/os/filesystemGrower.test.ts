import { describe, expect, it } from "vitest";
import type { CommandResult, CommandRunner } from "../../core/ports.js";
import { SystemFilesystemGrower } from "./filesystemGrower.js";

function scripted(results: CommandResult[]): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: async (program, args) => {
      calls.push(`${program} ${args.join(" ")}`);
      return results.shift() ?? { code: 0, stdout: "", stderr: "" };
    },
  };
}

const ok = { code: 0, stdout: "", stderr: "" };
const statfs = async () => ({ blocks: 7_700_000, bsize: 4096 });

describe("SystemFilesystemGrower", () => {
  it("grows a mounted xfs by its mount point and a mounted ext4 by its device", async () => {
    const runner = scripted([ok, ok]);
    const grower = new SystemFilesystemGrower(runner, statfs);
    await grower.growMounted("/dev/nvme1n1", "/var/lib/swarmvol/mounts/pg", "xfs", 1000);
    await grower.growMounted("/dev/nvme2n1", "/var/lib/swarmvol/mounts/jk", "ext4", 1000);
    expect(runner.calls).toEqual(["xfs_growfs /var/lib/swarmvol/mounts/pg", "resize2fs /dev/nvme2n1"]);
  });

  it("says what resize2fs said when the kernel refuses an online grow (no CAP_SYS_RESOURCE)", async () => {
    const runner = scripted([{ code: 1, stdout: "resize2fs 1.47.0 (5-Feb-2023)", stderr: "resize2fs: Permission denied to resize filesystem" }]);
    await expect(new SystemFilesystemGrower(runner, statfs).growMounted("/dev/loop3", "/m", "ext4", 1000)).rejects.toMatchObject({
      code: "INTERNAL", message: "resize2fs /dev/loop3 (mounted at /m) failed (exit 1): resize2fs 1.47.0 (5-Feb-2023) resize2fs: Permission denied to resize filesystem",
    });
  });

  it("grows an unmounted ext4 after a forced e2fsck (repairs are fine), and refuses damage, a busy device, xfs and others", async () => {
    const runner = scripted([{ code: 1, stdout: "fixed", stderr: "" }, ok]);
    await new SystemFilesystemGrower(runner, statfs).growUnmounted("/dev/loop3", "ext4", 1000);
    expect(runner.calls).toEqual(["e2fsck -f -p /dev/loop3", "resize2fs /dev/loop3"]);
    await expect(new SystemFilesystemGrower(scripted([{ code: 4, stdout: "", stderr: "UNEXPECTED INCONSISTENCY" }]), statfs).growUnmounted("/dev/loop3", "ext4", 1000))
      .rejects.toMatchObject({ code: "UNSAFE", message: expect.stringMatching(/UNEXPECTED INCONSISTENCY.*run e2fsck \/dev\/loop3 by hand/) });
    await expect(new SystemFilesystemGrower(scripted([{ code: 8, stdout: "/dev/loop3 is in use.", stderr: "" }]), statfs).growUnmounted("/dev/loop3", "ext4", 1000))
      .rejects.toMatchObject({ code: "UNAVAILABLE" });
    await expect(new SystemFilesystemGrower(scripted([]), statfs).growUnmounted("/dev/loop3", "xfs", 1000)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("xfs grows only while mounted") });
    await expect(new SystemFilesystemGrower(scripted([]), statfs).growMounted("/dev/loop3", "/m", "btrfs", 1000)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("measures the device (blockdev) and the mounted filesystem (statfs blocks × block size)", async () => {
    const runner = scripted([{ code: 0, stdout: "32212254720\n", stderr: "" }]);
    expect(await new SystemFilesystemGrower(runner, statfs).sizes("/dev/loop3", "/m")).toEqual({ deviceBytes: 32212254720, filesystemBytes: 7_700_000 * 4096 });
    expect(runner.calls).toEqual(["blockdev --getsize64 /dev/loop3"]);
    await expect(new SystemFilesystemGrower(scripted([{ code: 0, stdout: "lots", stderr: "" }]), statfs).sizes("/dev/loop3", "/m")).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
