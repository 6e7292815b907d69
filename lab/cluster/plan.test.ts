import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { dockerdArgs, instanceIdFor, nodeAddress, planNodes, resolveOptions, zoneFor } from "./plan.js";

describe("resolveOptions", () => {
  it("defaults to 3 nodes, 1 manager, 1 zone, not bare, /var/lib/swarmvol-lab", () => {
    expect(resolveOptions()).toEqual({ nodes: 3, managers: 1, zones: 1, bare: false, dir: "/var/lib/swarmvol-lab", cloudEndpoint: null });
  });

  it.each([
    [{ nodes: 0 }, "nodes"],
    [{ nodes: 21 }, "nodes"],
    [{ nodes: 2.5 }, "nodes"],
    [{ nodes: 3, managers: 4 }, "managers"],
    [{ zones: 7 }, "zones"],
    [{ dir: "relative" }, "dir"],
    [{ dir: "/run/lab" }, "dir"],
  ])("rejects %j naming `%s`", (options, name) => {
    let caught: unknown;
    try {
      resolveOptions(options);
    } catch (err) {
      caught = err;
    }
    expect(isSwarmvolError(caught, "INVALID_ARGUMENT")).toBe(true);
    expect((caught as Error).message).toContain(`\`${name}\``);
  });
});

describe("allocation", () => {
  it("puts node i at 10.213.0.(10+i)", () => {
    expect(nodeAddress(1)).toBe("10.213.0.11");
    expect(nodeAddress(20)).toBe("10.213.0.30");
  });

  it("derives a stable EC2-shaped instance id from the node name", () => {
    const id = instanceIdFor("node1");
    expect(id).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(instanceIdFor("node1")).toBe(id);
    expect(instanceIdFor("node2")).not.toBe(id);
  });

  it("alternates zones round-robin", () => {
    expect([1, 2, 3, 4].map((i) => zoneFor(i, 2))).toEqual(["us-east-1a", "us-east-1b", "us-east-1a", "us-east-1b"]);
    expect([1, 2, 3].map((i) => zoneFor(i, 1))).toEqual(["us-east-1a", "us-east-1a", "us-east-1a"]);
  });

  it("makes the first M nodes managers and names links, namespaces and paths per node", () => {
    const nodes = planNodes(resolveOptions({ nodes: 4, managers: 3, zones: 2, dir: "/lab" }));
    expect(nodes.map((n) => [n.name, n.role, n.netns, n.veth, n.zone])).toEqual([
      ["node1", "manager", "svn1", "svv1", "us-east-1a"],
      ["node2", "manager", "svn2", "svv2", "us-east-1b"],
      ["node3", "manager", "svn3", "svv3", "us-east-1a"],
      ["node4", "worker", "svn4", "svv4", "us-east-1b"],
    ]);
    expect(nodes[1]?.paths).toEqual({
      dir: "/lab/nodes/node2",
      socket: "/lab/nodes/node2/docker.sock",
      dataRoot: "/lab/nodes/node2/data",
      execRoot: "/lab/nodes/node2/exec",
      pluginDir: "/lab/nodes/node2/plugins",
      deviceDir: "/lab/nodes/node2/by-id",
      log: "/lab/nodes/node2/node.log",
    });
  });

  it("gives dockerd no iptables, no masquerading, no default bridge and the lab registry", () => {
    const [node] = planNodes(resolveOptions({ nodes: 1, dir: "/lab" }));
    const args = dockerdArgs(node!, "overlay2");
    expect(args).toEqual(expect.arrayContaining(["--iptables=false", "--ip-masq=false", "--bridge=none"]));
    expect(args.join(" ")).toContain("--insecure-registry 10.213.0.1:5000");
    expect(args.join(" ")).toContain("-H unix:///lab/nodes/node1/docker.sock");
    expect(args.join(" ")).toContain("--cgroup-parent /swarmvol-lab-node1");
  });
});
