import { describe, expect, it } from "vitest";
import { parseInnermostPid } from "./host.js";
import { labLinkNames, labNetnsNames, parseLinkFlags } from "./network.js";
import { isLabProcess, loopsUnder, mountsUnder } from "./teardown.js";

describe("host and network output parsers", () => {
  it("reads the innermost PID from NSpid", () => {
    expect(parseInnermostPid("Name:\tdockerd\nNSpid:\t4806\t1\nPPid: 3\n")).toBe(1);
    expect(parseInnermostPid("NSpid:\t77\n")).toBe(77);
    expect(parseInnermostPid("Name:\tx\n")).toBeNull();
  });

  it("finds only the lab's namespaces and links by name", () => {
    expect(labNetnsNames("svn1 (id: 0)\nsvn12\nother\nsvnx\n")).toEqual(["svn1", "svn12"]);
    const links = "1: lo: <LOOPBACK,UP>\n5: svv1@if2: <BROADCAST,UP> mtu\n4: svbr0: <BROADCAST,UP>\n6: svvx: <UP>\n7: eth0: <UP>";
    expect(labLinkNames(links)).toEqual(["svv1", "svbr0"]);
    expect(parseLinkFlags("5: svv1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500")).toContain("UP");
    expect(parseLinkFlags("5: svv1@if2: <BROADCAST,MULTICAST> mtu 1500")).not.toContain("UP");
  });
});

describe("teardown selection", () => {
  it("recognises node and registry processes of this lab dir only", () => {
    expect(isLabProcess(["dockerd", "--data-root", "/lab/nodes/node1/data"], "/lab")).toBe(true);
    expect(isLabProcess(["unshare", "-m", "bash", "/lab/node.sh", "/lab/nodes/node1", "node1"], "/lab")).toBe(true);
    expect(isLabProcess(["docker-registry", "serve", "/lab/registry/config.yml"], "/lab")).toBe(true);
    expect(isLabProcess(["node", "/repo/dist/lab/cloud/main.js", "--config", "/lab/cloud/instances.json"], "/lab")).toBe(true);
    expect(isLabProcess(["node", "/repo/dist/cli/main.js", "controller", "--state-dir", "/lab/nodes/node1/controller"], "/lab")).toBe(true);
    expect(isLabProcess(["dockerd", "--data-root", "/other/nodes/node1/data"], "/lab")).toBe(false);
    expect(isLabProcess(["node", "swarmvol", "lab", "down", "--dir", "/lab"], "/lab")).toBe(false);
  });

  it("lists mounts under the lab dir deepest first, and only there", () => {
    const mountinfo = [
      "27 1 254:0 / / rw - ext4 /dev/vda rw",
      "90 27 0:50 / /lab/nodes/node1/data/overlay2/x/merged rw - overlay overlay rw",
      "91 27 0:51 / /lab/nodes rw - tmpfs tmpfs rw",
      "92 27 0:52 / /lab2 rw - tmpfs tmpfs rw",
    ].join("\n");
    expect(mountsUnder(mountinfo, "/lab")).toEqual(["/lab/nodes/node1/data/overlay2/x/merged", "/lab/nodes"]);
  });

  it("lists loop devices backed by files under the lab dir", () => {
    expect(loopsUnder("/dev/loop0 /lab/cloud/vol-1.img\n/dev/loop1 /srv/other.img\n", "/lab")).toEqual(["/dev/loop0"]);
  });
});
