/**
 * The `lab status --json` contract (pure; docs/lab.md describes it for other tools):
 *
 * ```json
 * {"nodes":[{"name":"node1","nodeId":"…","role":"manager","dockerHost":"unix:///…/docker.sock",
 *            "address":"10.213.0.11","instanceId":"i-0…","zone":"us-east-1a","state":"ready",
 *            "process":"running","link":"up"}],
 *  "cloud":{"endpoint":"http://10.213.0.1:4566"},
 *  "controller":{"endpoint":"http://10.213.0.11:7750"},"token":"…"}
 * ```
 * `state` is Swarm's view from a manager (ready | down | disconnected | unknown), or
 * "unknown" when no manager answers. `process` (running | stopped) and `link` (up | down)
 * are the lab's own view: a killed node is `stopped`, a partitioned one has `link: down`.
 * `cloud.endpoint`, `controller.endpoint` and `token` (the shared API token of agents and
 * controller, for `curl -H "Authorization: Bearer …"`) are null for a bare lab.
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

export interface LabStatus {
  nodes: NodeStatus[];
  cloud: { endpoint: string | null };
  controller: { endpoint: string | null };
  token: string | null;
}

/** What the lab observed about each node, by name. */
export interface NodeObservation {
  running: boolean;
  linkUp: boolean;
  /** Swarm's Status.State for the node, null when no manager answered or it never joined. */
  swarmState: string | null;
}

export function buildStatus(state: LabState, observed: ReadonlyMap<string, NodeObservation>): LabStatus {
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
    controller: { endpoint: state.swarmvol?.controllerUrl ?? null },
    token: state.swarmvol?.token ?? null,
  };
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
  const controller = `controller: ${status.controller.endpoint ?? "(none)"}`;
  return [line(header), ...rows.map(line), cloud, controller].join("\n") + "\n";
}
