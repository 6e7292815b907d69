import { describe, expect, it } from "vitest";
import { cpuBetween, cpuGroupOf, cpuSecondsOfStat, renderCpu } from "./cpuShare.js";

describe("cpuShare", () => {
  it("groups processes by their command line", () => {
    expect(cpuGroupOf("/usr/bin/node /x/dist/cli/main.js agent --controller http://a")).toBe("agent");
    expect(cpuGroupOf("/usr/bin/node /x/dist/cli/main.js controller --listen 1")).toBe("controller");
    expect(cpuGroupOf("/usr/bin/node /x/dist/lab/cloud/main.js --config c")).toBe("emulator");
    expect(cpuGroupOf("dockerd --data-root /x")).toBe("dockerd");
    expect(cpuGroupOf("/usr/bin/containerd-shim-runc-v2 -namespace moby")).toBe("containerd");
    expect(cpuGroupOf("sh -c sleep 1")).toBe("other");
  });

  it("reads utime+stime+cutime+cstime after a command name with spaces and parentheses", () => {
    const stat = "42 (a (b) c) S 1 42 42 0 -1 4194304 100 0 0 0 150 50 7 3 20 0 1 0 100 0 0";
    expect(cpuSecondsOfStat(stat)).toBeCloseTo(2.1);
  });

  it("counts the difference for old processes and all of a new one", () => {
    const before = { at: 0, processes: new Map([[1, { group: "agent" as const, seconds: 10 }]]) };
    const after = { at: 5000, processes: new Map([[1, { group: "agent" as const, seconds: 12 }], [2, { group: "dockerd" as const, seconds: 3 }]]) };
    const use = cpuBetween(before, after);
    expect(use.groups).toMatchObject({ agent: 2, dockerd: 3, controller: 0 });
    expect(renderCpu(use)).toBe("cpu 5.0 s in 5.0 s: dockerd 3.0, agent 2.0, controller 0.0, emulator 0.0, containerd 0.0, other 0.0");
  });
});
