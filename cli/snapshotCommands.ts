/**
 * `swarmvol snapshot NAME`, `swarmvol snapshot rm ID` and `swarmvol snapshots [NAME]`: the
 * snapshot routes (api/snapshotContract.ts) with the operator commands' conventions
 * (cli/operatorCommands.ts): the controller from --controller or SWARMVOL_CONTROLLER, the
 * token from SWARMVOL_TOKEN_FILE, a table or text for people, --json for scripts, --help
 * with an example, exit codes from cli/exitCodes.ts (3: no such volume or snapshot, 5: no
 * cloud volume yet, or the snapshot is in use by an image, 8: no replica serves).
 */
import { loadOperatorConfig } from "../core/clusterConfig.js";
import { ErrorCode, invalidArgument, SwarmvolError, toSwarmvolError } from "../core/errors.js";
import { formatSize } from "../core/units.js";
import { validateVolumeName } from "../core/volume.js";
import type { SnapshotView } from "../api/snapshotContract.js";
import { checkSnapshotId } from "../api/snapshotRoutes.js";
import { SnapshotClient, type SnapshotApi } from "../api/client/snapshotClient.js";
import { reportFailure } from "./exitCodes.js";
import { processIo, splitArgs, type OperatorIo } from "./operatorCommands.js";
import { table } from "./operatorRender.js";
import { withTokenFile } from "./runtime.js";

export const snapshotCommandNames = ["snapshot", "snapshots"] as const;
export type SnapshotCommandName = (typeof snapshotCommandNames)[number];

export const snapshotUsage = [
  "swarmvol snapshot NAME [--controller URL[,URL...]] [--json]",
  "swarmvol snapshot rm SNAPSHOT_ID [--controller URL[,URL...]] [--json]",
  "swarmvol snapshots [NAME] [--controller URL[,URL...]] [--json]",
];

const help: Readonly<Record<SnapshotCommandName, string>> = {
  snapshot: `usage: ${snapshotUsage[0]}\n       ${snapshotUsage[1]}\n\n`
    + "Takes a snapshot of a volume now (the node that mounts it freezes the filesystem for the instant of the capture),\n"
    + "or deletes one of swarmvol's snapshots. A snapshot restores with docker volume create -d swarmvol -o snapshot=ID NAME.\n\n"
    + "examples:\n  swarmvol snapshot jenkins_home\n  swarmvol snapshot rm snap-0123456789abcdef0\n\n",
  snapshots: `usage: ${snapshotUsage[2]}\n\n`
    + "Lists swarmvol's snapshots, oldest first, of the volumes named NAME when given (a removed volume's final snapshot too).\n\n"
    + "example:\n  swarmvol snapshots jenkins_home --json | jq -r '.[] | select(.reason == \"schedule\") | .id'\n\n",
};

const common = "The controller: --controller or SWARMVOL_CONTROLLER, comma-separated replicas.\n"
  + "The token: SWARMVOL_TOKEN_FILE, a file holding the controllers' secret (or SWARMVOL_TOKEN); never on the command line.\n"
  + "--json prints the controller's objects instead of text.\n";

/** `swarmvol snapshots`: one row per snapshot. */
export function renderSnapshots(snapshots: readonly SnapshotView[]): string {
  if (snapshots.length === 0) return "no snapshots; take one with `swarmvol snapshot NAME`\n";
  const rows = snapshots.map((s) => [
    s.id, s.volume || "-", s.state, s.progress || "-", s.startedAt, formatSize(s.sizeBytes), s.reason || "-", s.frozen ? "yes" : "no", s.slot ?? "-",
  ]);
  return table(["ID", "VOLUME", "STATE", "PROGRESS", "STARTED", "SIZE", "REASON", "FROZEN", "SLOT"], rows);
}

function renderTaken(s: SnapshotView): string {
  const frozen = s.frozen ? "the filesystem was frozen for it" : "not frozen (nobody mounted the volume, or its node could not freeze it)";
  return `snapshot ${s.id} of volume ${s.volume} taken (${s.state}, ${s.progress || "0%"}): ${frozen}\n`;
}

interface Outcome {
  json: unknown;
  text: string;
}

async function run(name: SnapshotCommandName, api: SnapshotApi, operands: readonly string[]): Promise<Outcome> {
  if (name === "snapshots") {
    if (operands.length > 1) throw invalidArgument(`unexpected argument "${operands[1]}"; usage: ${snapshotUsage[2]}`);
    const snapshots = await api.listSnapshots(operands[0] === undefined ? undefined : validateVolumeName(operands[0]));
    return { json: snapshots, text: renderSnapshots(snapshots) };
  }
  if (operands[0] === "rm" && operands.length === 2) {
    const id = checkSnapshotId(operands[1] ?? "");
    await api.deleteSnapshot(id);
    return { json: { id, deleted: true }, text: `snapshot ${id} deleted\n` };
  }
  if (operands.length !== 1) {
    const said = operands.length === 0 ? "missing NAME" : `unexpected argument "${operands[operands[0] === "rm" ? 2 : 1]}"`;
    throw invalidArgument(`${said}; usage: ${snapshotUsage[0]}, or ${snapshotUsage[1]} (see \`swarmvol snapshot --help\`)`);
  }
  const snapshot = await api.takeSnapshot(validateVolumeName(operands[0] ?? ""));
  return { json: snapshot, text: renderTaken(snapshot) };
}

function withHint(err: unknown): SwarmvolError {
  const domain = toSwarmvolError(err);
  let hint = "";
  if (domain.code === ErrorCode.Unavailable) hint = "; `swarmvol status` shows every replica's role";
  if (domain.code === ErrorCode.NotFound && domain.message.startsWith("no route")) hint = "; an all-in-one (or an older controller) takes no snapshots: they live in `swarmvol controller` with the EBS backend";
  return hint === "" ? domain : new SwarmvolError(domain.code, `${domain.message}${hint}`, { ...domain.details }, { cause: domain });
}

/** Runs `swarmvol snapshot` or `swarmvol snapshots`; resolves to its exit code, never rejects. */
export async function snapshotCommand(name: SnapshotCommandName, argv: readonly string[], io: OperatorIo = processIo(), makeApi?: (controllers: string[], token: string) => SnapshotApi): Promise<number> {
  try {
    const args = splitArgs(argv);
    if (args.help) {
      io.out(help[name] + common);
      return 0;
    }
    const config = loadOperatorConfig(await withTokenFile(io.env), args.flags);
    const api = makeApi?.(config.controllers, config.token) ?? new SnapshotClient({ endpoints: () => config.controllers, token: config.token });
    const outcome = await run(name, api, args.operands);
    io.out(args.json ? `${JSON.stringify(outcome.json, null, 2)}\n` : outcome.text);
    return 0;
  } catch (err) {
    return reportFailure(withHint(err), io.err);
  }
}
