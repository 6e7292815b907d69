import type { HealthResponse } from "../api/contract.js";
import type { NodeView } from "../core/placement.js";
import { formatApproxSize, formatSize } from "../core/units.js";
import type { ResizeStatus } from "../core/resize.js";
import { grantsOf, grantText, type MoveTimeline, type Relocation, type VolumeRecord } from "../core/volume.js";

/**
 * What the operator commands print for people (their `--json` prints the API's own
 * objects instead). Pure: records and a clock reading in, text out; every line ends in
 * "\n". Empty values print as "-" so every row has every column (awk, cut).
 */

const none = "-";

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ").trimEnd();
  return [headers, ...rows].map((cells) => `${line(cells)}\n`).join("");
}

/** `swarmvol ls`: one row per volume. */
export function renderVolumes(volumes: readonly VolumeRecord[]): string {
  if (volumes.length === 0) return "no volumes yet; create one with docker volume create -d swarmvol NAME\n";
  const rows = [...volumes]
    .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
    .map(({ spec, status }) => [
      spec.name, formatSize(spec.sizeBytes), spec.fsType, String(status.epoch),
      grantsOf(status).map((grant) => grant.nodeId).join(",") || none, status.zone ?? none, status.condition?.reason ?? "OK",
    ]);
  return table(["NAME", "SIZE", "FS", "EPOCH", "GRANTED TO", "ZONE", "CONDITION"], rows);
}

/** `swarmvol inspect NAME`: the spec, then the status, then the last move's phases. */
export function renderVolume(record: VolumeRecord): string {
  const { spec, status } = record;
  const options = Object.entries(spec.options).map(([key, value]) => `${key}=${value}`).join(" ");
  const grants = grantsOf(status);
  const lines: Array<[string, string]> = [
    ["Name", spec.name],
    ["Backend", spec.backend],
    ["Size", formatSize(spec.sizeBytes)],
    ["FsType", spec.fsType],
    ["Options", options || none],
    ["Created", record.createdAt],
    ["Phase", status.phase],
    ["Epoch", String(status.epoch)],
    ["BackendId", status.backendId ?? none],
    ["Zone", status.zone ?? none],
    // A multi-writer share: one GrantedTo line per holder.
    ...(grants.length > 0 ? grants.map((grant): [string, string] => ["GrantedTo", grantText(grant)]) : [["GrantedTo", none] as [string, string]]),
    ["Condition", status.condition ? `${status.condition.reason} since ${status.condition.since}: ${status.condition.message}` : "OK"],
    ["LastMove", status.lastMove ? moveHeadline(status.lastMove) : none],
    ...(status.relocation ? [["Relocation", relocationLine(status.relocation)] as [string, string]] : []),
    ...(status.resize ? [["Resize", resizeLine(status.resize)] as [string, string]] : []),
  ];
  // The moves before the last one come after its phases, each on a line of its own.
  const earlier = (status.earlierMoves ?? []).map((move): [string, string] => ["EarlierMove", moveHeadline(move)]);
  const width = Math.max(...[...lines, ...earlier].map(([label]) => label.length)) + 2;
  const render = (rows: Array<[string, string]>) => rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}\n`).join("");
  const body = render(lines);
  return (status.lastMove ? body + movePhases(status.lastMove, width) : body) + render(earlier);
}

function moveHeadline(move: MoveTimeline): string {
  const zones = move.toZone === undefined ? "" : ` (zone ${move.fromZone ?? "?"} -> ${move.toZone})`;
  return `${move.fromNode ?? "(nowhere)"} -> ${move.toNode}${zones}${move.forced ? " (forced)" : ""}, seen ${new Date(move.t2Seen).toISOString()}`;
}

/** A relocation not finished: where from, what is made, what is left to delete. */
function relocationLine(relocation: Relocation): string {
  const made = relocation.toVolumeId === undefined ? `new volume in ${relocation.toZone} not created yet` : `new volume ${relocation.toVolumeId}`;
  return `from ${relocation.fromVolumeId} (${relocation.fromZone}) to ${relocation.toZone}, snapshot ${relocation.snapshotId ?? none}, ${made}; ${relocation.fromVolumeId} is deleted once the new one is mounted`;
}

/** The latest resize: its phase, the wanted, cloud and filesystem sizes, when, and the last error. */
export function resizeLine(resize: ResizeStatus): string {
  const sized = (bytes: number | undefined) => (bytes === undefined ? none : formatSize(bytes));
  const grown = resize.grownOn ? ` (grown on ${resize.grownOn})` : "";
  const when = resize.doneAt ? `, done ${resize.doneAt}` : "";
  return `${resize.phase}: wanted ${sized(resize.wantedBytes)}, cloud ${sized(resize.cloudBytes)}, filesystem ${resize.filesystemBytes === undefined ? none : formatApproxSize(resize.filesystemBytes)}${grown}; `
    + `asked ${resize.requestedAt}${when}${resize.error ? `; last error: ${resize.error}` : ""}`;
}

const phases: ReadonlyArray<[keyof MoveTimeline, string]> = [
  ["t2Seen", "t2 seen"], ["t3Fenced", "t3 fenced"], ["t4Detached", "t4 detached"], ["t4aSnapshotted", "t4a snapshot"], ["t4bCreated", "t4b created"],
  ["t5Attached", "t5 attached"], ["t6Verified", "t6 verified"], ["t7Mounted", "t7 mounted"],
];

/** Each phase of the move as seconds after t2; a phase not reached yet shows "-". */
export function movePhases(move: MoveTimeline, indent = 2): string {
  // A relocation's own phases are shown only for a move that crosses zones.
  const shown = move.toZone === undefined ? phases.filter(([key]) => key !== "t4aSnapshotted" && key !== "t4bCreated") : phases;
  return shown.map(([key, label]) => {
    const at = move[key];
    const shown = typeof at === "number" ? `+${((at - move.t2Seen) / 1000).toFixed(2)}s` : none;
    return `${" ".repeat(indent)}${label.padEnd(12)}${shown}\n`;
  }).join("");
}

/**
 * The lease as the CLI sees it against the leader's clock (epoch ms; a skew of the
 * operator's clock shifts it): `live`, `expired`, `assumed` (a node not heard by this
 * leader yet, counted live until its takeover plus one ttl), or `never` (no agent spoke).
 */
export function leaseState(node: NodeView, now: number): "live" | "expired" | "assumed" | "never" {
  if (node.leaseExpiresAt === undefined) return "never";
  if (node.leaseExpiresAt <= now) return "expired";
  return node.unheard ? "assumed" : "live";
}

/** `swarmvol nodes`: one row per node. */
export function renderNodes(nodes: readonly NodeView[], now: number): string {
  if (nodes.length === 0) return "no nodes known to the controller yet: no Swarm node listed and no agent reported\n";
  const rows = [...nodes]
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.nodeId.localeCompare(b.nodeId))
    .map((node) => [
      node.nodeId, node.hostname, node.swarmState, leaseState(node, now), node.instanceId ?? none, node.zone ?? none,
      node.unheard ? "?" : node.mounted.join(",") || none, node.operatorFenced ? "yes" : "no",
    ]);
  return table(["NODE", "HOSTNAME", "SWARM", "LEASE", "INSTANCE", "ZONE", "MOUNTED", "FENCED"], rows);
}

/** One replica as `swarmvol status` asked it: its health, or why it did not answer. */
export interface ReplicaReport {
  url: string;
  health?: HealthResponse;
  error?: string;
}

/** The replica's role in words: all-in-one has no election and always serves. */
export function roleOf(report: ReplicaReport): string {
  if (!report.health) return "unreachable";
  if (report.health.mode === "all-in-one") return "all-in-one";
  return report.health.role ?? "unknown";
}

/** Whether this replica serves the API now (the leader, or an all-in-one). */
export function serves(report: ReplicaReport): boolean {
  const role = roleOf(report);
  return role === "leader" || role === "all-in-one";
}

/** `swarmvol status`: every replica asked, then which one leads. */
export function renderStatus(reports: readonly ReplicaReport[]): string {
  const rows = reports.map((report) => [
    report.url, roleOf(report), report.health?.replica ?? none,
    report.health ? String(report.health.leader ?? none) : (report.error ?? none),
  ]);
  const leading = reports.filter(serves).map((report) => report.url);
  const named = [...new Set(reports.map((report) => report.health?.leader).filter((url): url is string => typeof url === "string"))];
  const verdict = leading.length > 0
    ? `serving: ${leading.join(", ")}\n`
    : `no replica asked is serving${named.length > 0 ? `; the standbys name ${named.join(", ")} as leader` : ""}\n`;
  return table(["CONTROLLER", "ROLE", "REPLICA", "LEADER (or error)"], rows) + verdict;
}
