/**
 * `swarmvol snapshot NAME`, `swarmvol snapshot rm ID` and `swarmvol snapshots [NAME]`: the
 * snapshot routes (api/snapshotContract.ts) with the operator commands' conventions
 * (cli/operatorCommands.ts): the controller from --controller or SWARMVOL_CONTROLLER, the
 * token from SWARMVOL_TOKEN_FILE, a table or text for people, --json for scripts, --help
 * with an example, exit codes from cli/exitCodes.ts (3: no such volume or snapshot, 5: no
 * cloud volume yet, or the snapshot is in use by an image, 8: no replica serves).
 */
import { ErrorCode, SwarmvolError, toSwarmvolError } from "../core/errors.js";
import { formatSize } from "../core/units.js";
import { validateVolumeName } from "../core/volume.js";
import type { SnapshotView } from "../api/snapshotContract.js";
import { checkSnapshotId } from "../api/snapshotRoutes.js";
import { SnapshotClient, type SnapshotApi } from "../api/client/snapshotClient.js";
import { documented, operatorUsageTail, rootFor, runParsed, SwarmvolCommand, withOperatorOptions, type CommandDoc, type OperatorFlags } from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";
import { operatorSettings, processIo, type OperatorIo } from "./operatorCommands.js";
import { table } from "./operatorRender.js";

export const snapshotCommandNames = ["snapshot", "snapshots"] as const;
export type SnapshotCommandName = (typeof snapshotCommandNames)[number];

export const snapshotUsage = [
  `swarmvol snapshot NAME ${operatorUsageTail}`,
  `swarmvol snapshot rm SNAPSHOT_ID ${operatorUsageTail}`,
  `swarmvol snapshots [NAME] ${operatorUsageTail}`,
];

const docs: Readonly<Record<SnapshotCommandName, CommandDoc>> = {
  snapshot: {
    summary: "Takes a snapshot of a volume now (the node that mounts it freezes the filesystem for the instant of the capture).",
    details: "Or `swarmvol snapshot rm SNAPSHOT_ID` deletes one of swarmvol's snapshots. A snapshot restores with\n"
      + "docker volume create -d swarmvol -o snapshot=ID NAME.",
    usage: `NAME ${operatorUsageTail}`, examples: ["swarmvol snapshot jenkins_home", "swarmvol snapshot rm snap-0123456789abcdef0"],
  },
  snapshots: {
    summary: "Lists swarmvol's snapshots, oldest first, of the volumes named NAME when given (a removed volume's final snapshot too).",
    usage: `[NAME] ${operatorUsageTail}`, examples: ["swarmvol snapshots jenkins_home --json | jq -r '.[] | select(.reason == \"schedule\") | .id'"],
  },
};

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

/** What one parsed command asks: take a snapshot of a volume, delete one, or list them. */
type Request = { kind: "take"; volume: string } | { kind: "remove"; id: string } | { kind: "list"; volume: string | undefined };

async function run(api: SnapshotApi, request: Request): Promise<Outcome> {
  if (request.kind === "list") {
    const snapshots = await api.listSnapshots(request.volume === undefined ? undefined : validateVolumeName(request.volume));
    return { json: snapshots, text: renderSnapshots(snapshots) };
  }
  if (request.kind === "remove") {
    const id = checkSnapshotId(request.id);
    await api.deleteSnapshot(id);
    return { json: { id, deleted: true }, text: `snapshot ${id} deleted\n` };
  }
  const snapshot = await api.takeSnapshot(validateVolumeName(request.volume));
  return { json: snapshot, text: renderTaken(snapshot) };
}

function withHint(err: unknown): SwarmvolError {
  const domain = toSwarmvolError(err);
  let hint = "";
  if (domain.code === ErrorCode.Unavailable) hint = "; `swarmvol status` shows every replica's role";
  if (domain.code === ErrorCode.NotFound && domain.message.startsWith("no route")) hint = "; an all-in-one (or an older controller) takes no snapshots: they live in `swarmvol controller` with the EBS backend";
  return hint === "" ? domain : new SwarmvolError(domain.code, `${domain.message}${hint}`, { ...domain.details }, { cause: domain });
}

type ApiMaker = (controllers: string[], token: string) => SnapshotApi;

async function runParsedRequest(request: Request, flags: OperatorFlags, io: OperatorIo, makeApi: ApiMaker | undefined): Promise<number> {
  try {
    const config = await operatorSettings(io, flags);
    const api = makeApi?.(config.controllers, config.token) ?? new SnapshotClient({ endpoints: () => config.controllers, token: config.token });
    const outcome = await run(api, request);
    io.out(flags.json ? `${JSON.stringify(outcome.json, null, 2)}\n` : outcome.text);
    return 0;
  } catch (err) {
    return reportFailure(withHint(err), io.err);
  }
}

/** The commander declaration of `swarmvol snapshot` (and its `rm`) or `swarmvol snapshots`; its actions set `outcome.code`. */
export function snapshotCommandLine(name: SnapshotCommandName, io: OperatorIo, outcome: { code: number }, makeApi?: ApiMaker): SwarmvolCommand {
  const command = withOperatorOptions(documented(new SwarmvolCommand(name), docs[name]));
  const go = (request: Request, flags: OperatorFlags) => runParsedRequest(request, flags, io, makeApi).then((code) => void (outcome.code = code));
  if (name === "snapshots") {
    return command.argument("[NAME]", "only the snapshots of volumes of this name").action((volume: string | undefined) => go({ kind: "list", volume }, command.opts()));
  }
  const rm = withOperatorOptions(documented(command.command("rm"), {
    summary: "Deletes one of swarmvol's snapshots (idempotent).", usage: `SNAPSHOT_ID ${operatorUsageTail}`, examples: ["swarmvol snapshot rm snap-0123456789abcdef0"],
  })).argument("<SNAPSHOT_ID>", "like snap-0123456789abcdef0 (`swarmvol snapshots` lists them)");
  rm.action((id: string) => go({ kind: "remove", id }, rm.opts()));
  return command.argument("<NAME>", "the volume's name").action((volume: string) => go({ kind: "take", volume }, command.opts()));
}

/** Runs `swarmvol snapshot` or `swarmvol snapshots`; resolves to its exit code, never rejects. */
export async function snapshotCommand(name: SnapshotCommandName, argv: readonly string[], io: OperatorIo = processIo(), makeApi?: ApiMaker): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(snapshotCommandLine(name, io, outcome, makeApi)), [name, ...argv], io, outcome);
}
