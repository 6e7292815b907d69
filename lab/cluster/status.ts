/**
 * The `lab status --json` contract (pure; docs/lab.md describes it for other tools):
 *
 * ```json
 * {"nodes":[{"name":"node1","nodeId":"…","role":"manager","dockerHost":"unix:///…/docker.sock",
 *            "address":"10.213.0.11","instanceId":"i-0…","zone":"us-east-1a","state":"ready",
 *            "process":"running","link":"up"}],
 *  "cloud":{"endpoint":"http://10.213.0.1:4566"},
 *  "controller":{"url":"http://10.213.0.11:7750","tokenFile":"/…/nodes/swarmvol.token","endpoint":"http://10.213.0.11:7750"},
 *  "controllers":[{"node":"node1","url":"http://10.213.0.11:7750","role":"leader","pid":4242}],
 *  "leader":"node1"}
 * ```
 * `state` is Swarm's view from a manager (ready | down | disconnected | unknown), or
 * "unknown" when no manager answers. `process` (running | stopped) and `link` (up | down)
 * are the lab's own view: a killed node is `stopped`, a partitioned one has `link: down`.
 * `controller` is how scripts and the CLI reach the lab's controller: `url` the first
 * replica's URL (node1), whichever replica leads (the CLI follows a standby's leader hint),
 * and `tokenFile` the 0600 file holding the controllers' secret (the operator's token; each agent has its own node token, ADR 0011), for
 * SWARMVOL_TOKEN_FILE (the token itself is never printed). `endpoint` is `url` under its
 * older name. `cloud.endpoint` and every `controller` field are null for a bare lab.
 * `controllers` has one entry per replica (one per manager; empty for a bare lab): its
 * `role` is what its own GET /v1/health says ("leader" | "standby"; a controller from
 * before HA, which answers without a role, counts as "leader"), null when it does not
 * answer; `pid` is the daemon's host PID, null when no process runs. `leader` is the name
 * of the node whose replica leads (the first, should two claim it), or null.
 */
import { dockerHost, type NodeRole } from "./plan.js";
import type { LabState } from "./state.js";

export interface NodeStatus {
  name: string;
  nodeId: string | null;
  role: NodeRole;
  dockerHost: string;
  address: string;
  instanceId: string;
  zone: string;
  state: string;
  process: "running" | "stopped";
  link: "up" | "down";
}

/** One controller replica in `lab status`. */
export interface ControllerStatus {
  node: string;
  url: string;
  role: "leader" | "standby" | null;
  pid: number | null;
}

export interface LabStatus {
  nodes: NodeStatus[];
  cloud: { endpoint: string | null };
  controller: { url: string | null; tokenFile: string | null; endpoint: string | null };
  controllers: ControllerStatus[];
  leader: string | null;
}

/** What the lab observed about each controller replica (the same shape it reports). */
export type ControllerObservation = ControllerStatus;

/** What the lab observed about each node, by name. */
export interface NodeObservation {
  running: boolean;
  linkUp: boolean;
  /** Swarm's Status.State for the node, null when no manager answered or it never joined. */
  swarmState: string | null;
}

export function buildStatus(
  state: LabState,
  observed: ReadonlyMap<string, NodeObservation>,
  controllers: readonly ControllerObservation[] = [],
): LabStatus {
  return {
    nodes: state.nodes.map((node) => {
      const seen = observed.get(node.name);
      return {
        name: node.name,
        nodeId: node.nodeId,
        role: node.role,
        dockerHost: dockerHost(node),
        address: node.address,
        instanceId: node.instanceId,
        zone: node.zone,
        state: seen?.swarmState ?? "unknown",
        process: seen?.running === true ? "running" : "stopped",
        link: seen?.linkUp === true ? "up" : "down",
      };
    }),
    cloud: { endpoint: state.cloud.endpoint },
    controller: {
      url: state.swarmvol?.controllerUrl ?? null,
      tokenFile: state.swarmvol?.tokenFile ?? null,
      endpoint: state.swarmvol?.controllerUrl ?? null,
    },
    controllers: controllers.map((c) => ({ node: c.node, url: c.url, role: c.role, pid: c.pid })),
    leader: controllers.find((c) => c.role === "leader")?.node ?? null,
  };
}

/** One line per replica for the table: `controller node1 http://… leader pid 4242`. */
function controllerLines(status: LabStatus): string[] {
  if (status.controllers.length === 0) return [`controller: ${status.controller.url ?? "(none)"}`];
  return status.controllers.map((c) =>
    `controller ${c.node}: ${c.url} ${c.role ?? "no answer"}${c.pid === null ? " (not running)" : ` pid ${c.pid}`}`);
}

/** A fixed-width table for humans; scripts use the JSON form. */
export function renderStatusTable(status: LabStatus): string {
  const header = ["NAME", "ROLE", "STATE", "PROCESS", "LINK", "ADDRESS", "ZONE", "INSTANCE", "NODE ID"];
  const rows = status.nodes.map((n) => [
    n.name, n.role, n.state, n.process, n.link, n.address, n.zone, n.instanceId, n.nodeId ?? "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const cloud = `cloud endpoint: ${status.cloud.endpoint ?? "(none)"}`;
  const tokenFile = status.controller.tokenFile === null ? [] : [`token file: ${status.controller.tokenFile}`];
  const leader = status.controllers.length === 0 ? [] : [`leader: ${status.leader ?? "(none)"}`];
  return [line(header), ...rows.map(line), cloud, ...tokenFile, ...controllerLines(status), ...leader].join("\n") + "\n";
}
