/**
 * The lab network: one bridge (svbr0, 10.213.0.1/24), one network namespace per node
 * joined to it by a veth pair, and one iptables FORWARD rule so bridged node-to-node
 * traffic passes even when a root-namespace dockerd has set the FORWARD policy to DROP.
 * Nodes get no default route: they can reach the bridge subnet and nothing else.
 */
import type { CommandRunner } from "../../core/ports.js";
import { conflict } from "../../core/errors.js";
import { runChecked } from "./host.js";
import { BRIDGE, BRIDGE_ADDRESS, NETNS_PREFIX, PREFIX_LENGTH, VETH_PREFIX, type NodePlan } from "./plan.js";

const FORWARD_RULE = ["FORWARD", "-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT"];

async function linkExists(runner: CommandRunner, name: string): Promise<boolean> {
  return (await runner.run("ip", ["link", "show", "dev", name])).code === 0;
}

/** CONFLICT if the bridge is already there (a lab is up, or one was left behind). Changes nothing. */
export async function assertBridgeAbsent(runner: CommandRunner): Promise<void> {
  if (await linkExists(runner, BRIDGE)) {
    throw conflict(`${BRIDGE} already exists: a lab is up or was left behind; run \`swarmvol lab down\``, { bridge: BRIDGE });
  }
}

/**
 * Creates the bridge and the FORWARD rule (check {@link assertBridgeAbsent} first). A
 * failure halfway leaves what was made for `removeNetwork` (teardown) to remove.
 */
export async function createBridge(runner: CommandRunner): Promise<void> {
  await runChecked(runner, "ip", ["link", "add", BRIDGE, "type", "bridge"]);
  await runChecked(runner, "ip", ["addr", "add", `${BRIDGE_ADDRESS}/${PREFIX_LENGTH}`, "dev", BRIDGE]);
  await runChecked(runner, "ip", ["link", "set", BRIDGE, "up"]);
  if ((await runner.run("iptables", ["-C", ...FORWARD_RULE])).code !== 0) {
    await runChecked(runner, "iptables", ["-I", ...FORWARD_RULE]);
  }
}

/** Network namespace svn<i> with eth0 at the node address, linked to the bridge by svv<i>. */
export async function createNodeNetwork(runner: CommandRunner, node: NodePlan): Promise<void> {
  await runChecked(runner, "ip", ["netns", "add", node.netns]);
  await runChecked(runner, "ip", ["link", "add", node.veth, "type", "veth", "peer", "name", "eth0", "netns", node.netns]);
  await runChecked(runner, "ip", ["link", "set", node.veth, "master", BRIDGE, "up"]);
  const inNs = (args: string[]) => runChecked(runner, "ip", ["-n", node.netns, ...args]);
  await inNs(["addr", "add", `${node.address}/${PREFIX_LENGTH}`, "dev", "eth0"]);
  await inNs(["link", "set", "eth0", "up"]);
  await inNs(["link", "set", "lo", "up"]);
}

/** Cuts the node off the bridge (its processes keep running). */
export async function partitionLink(runner: CommandRunner, node: NodePlan): Promise<void> {
  await runChecked(runner, "ip", ["link", "set", node.veth, "down"]);
}

export async function healLink(runner: CommandRunner, node: NodePlan): Promise<void> {
  await runChecked(runner, "ip", ["link", "set", node.veth, "up"]);
}

/** Whether the host end of the node's link is administratively up. */
export async function linkIsUp(runner: CommandRunner, node: NodePlan): Promise<boolean> {
  const out = await runner.run("ip", ["-o", "link", "show", "dev", node.veth]);
  return out.code === 0 && parseLinkFlags(out.stdout).includes("UP");
}

/** Flags from one line of `ip -o link show` ("3: svv1@if2: <BROADCAST,UP,LOWER_UP> …"). */
export function parseLinkFlags(line: string): string[] {
  const match = /<([^>]*)>/.exec(line);
  return match?.[1]?.split(",") ?? [];
}

/** Names of the lab's namespaces (`svn<digits>`) in `ip netns list` output. */
export function labNetnsNames(ipNetnsList: string): string[] {
  const pattern = new RegExp(`^${NETNS_PREFIX}\\d+$`);
  return ipNetnsList.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => pattern.test(n));
}

/** Names of the lab's host links (`svv<digits>` and the bridge) in `ip -o link show` output. */
export function labLinkNames(ipLinkList: string): string[] {
  const pattern = new RegExp(`^(${VETH_PREFIX}\\d+|${BRIDGE})$`);
  return ipLinkList
    .split("\n")
    .map((l) => (l.split(":")[1] ?? "").trim().split("@")[0] ?? "")
    .filter((n) => pattern.test(n));
}

/**
 * Removes every namespace, link and rule the lab makes, found by name, so it also cleans
 * up after a crash that lost the state file. Safe to run when nothing is there.
 */
export async function removeNetwork(runner: CommandRunner): Promise<void> {
  const netns = await runner.run("ip", ["netns", "list"]);
  for (const name of labNetnsNames(netns.stdout)) {
    await runner.run("ip", ["netns", "del", name]);
  }
  const links = await runner.run("ip", ["-o", "link", "show"]);
  const names = labLinkNames(links.stdout);
  // veths first: deleting a namespace already took their peers, the bridge goes last.
  for (const name of names.filter((n) => n !== BRIDGE)) await runner.run("ip", ["link", "del", name]);
  if (names.includes(BRIDGE)) await runner.run("ip", ["link", "del", BRIDGE]);
  for (let i = 0; i < 10 && (await runner.run("iptables", ["-C", ...FORWARD_RULE])).code === 0; i++) {
    await runner.run("iptables", ["-D", ...FORWARD_RULE]);
  }
}

/**
 * Which lab directory owns the shared network (bridge, node links, namespaces). Written
 * when `up` makes the bridge; `down` of any other directory leaves the network alone while
 * the owner's lab is still there (only one lab fits on a machine: the bridge name is fixed).
 */
export const NETWORK_OWNER_FILE = "/run/swarmvol-lab.owner";
