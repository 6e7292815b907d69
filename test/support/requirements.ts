/**
 * Integration tests need root and Debian's docker.io. Outside CI a missing requirement
 * skips the suite with a printed reason; under CI=true it fails, never skips.
 */
import { execFileSync } from "node:child_process";

export function missingRequirement(programs: readonly string[] = [], install = "docker.io iptables e2fsprogs busybox-static"): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (loop devices, mounts, dockerd)";
  for (const program of programs) {
    try {
      execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" });
    } catch {
      return `needs ${program} on PATH (apt-get install ${install})`;
    }
  }
  return undefined;
}

/** Returns true when the suite should be skipped; throws under CI so nothing skips there. */
export function shouldSkip(suite: string, programs: readonly string[] = [], install?: string): boolean {
  const reason = missingRequirement(programs, install);
  if (reason === undefined) return false;
  if (process.env.CI === "true") throw new Error(`${suite}: ${reason}; CI must run every test`);
  console.warn(`[skip] ${suite}: ${reason}`);
  return true;
}
