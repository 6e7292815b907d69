/**
 * How an operator's move hold (core/moves.ts, ADR 0023) is laid out in a Swarm config, as
 * pure functions: one config per volume, named by a hash of the volume name like the
 * volume configs (swarmStoreCodec.ts). What never changes (target, request time, bound,
 * the wants there at the request, the services re-pinned) is the Data document, written
 * once at the move; the arrival and the end, which come later, are labels (Swarm lets an
 * update change only labels). Times are ISO 8601 in the document and labels, so `docker config inspect`
 * reads as the API does. Parsing is defensive, as an operator may have edited the config.
 */
import { createHash } from "node:crypto";
import type { HoldEnd, MoveHold } from "../../core/moves.js";
import { storeLabels, type ConfigInfo, type ConfigSpec } from "./swarmStoreCodec.js";

export const moveLabels = {
  id: "swarmvol.move.id",
  /** When the volume reached the target (ISO time): a fact, like the end, learnt after the move was written. */
  arrivedAt: "swarmvol.move.arrived-at",
  endedReason: "swarmvol.move.ended-reason",
  endedAt: "swarmvol.move.ended-at",
  endedMessage: "swarmvol.move.ended-message",
} as const;

const holdEnds: readonly HoldEnd[] = ["taken-over", "superseded", "lapsed", "replaced"];


/** The config name of a volume's hold: 14 + 32 characters, within Swarm's 64. */
export function moveConfigName(volumeName: string): string {
  return `swarmvol-move-${createHash("sha256").update(volumeName, "utf8").digest("hex").slice(0, 32)}`;
}

/** The labels of a hold: what it is, whose, which move, and its arrival and end once they came. */
export function moveHoldLabels(hold: MoveHold): Record<string, string> {
  return {
    [storeLabels.kind]: "move",
    [storeLabels.volume]: hold.volume,
    [moveLabels.id]: hold.id,
    ...(hold.arrivedAt === undefined ? {} : { [moveLabels.arrivedAt]: new Date(hold.arrivedAt).toISOString() }),
    ...(hold.ended ? {
      [moveLabels.endedReason]: hold.ended.reason,
      [moveLabels.endedAt]: new Date(hold.ended.at).toISOString(),
      [moveLabels.endedMessage]: hold.ended.message,
    } : {}),
  };
}

export function moveHoldToConfig(hold: MoveHold): ConfigSpec {
  const document = {
    version: 1, id: hold.id, volume: hold.volume, nodeId: hold.nodeId, hostname: hold.hostname, ...(hold.fromNode === undefined ? {} : { fromNode: hold.fromNode }),
    ...(hold.toInstance === undefined ? {} : { toInstance: hold.toInstance }), ...(hold.fromEpoch === undefined ? {} : { fromEpoch: hold.fromEpoch }),
    requestedAt: new Date(hold.requestedAt).toISOString(), until: new Date(hold.until).toISOString(), withService: hold.withService,
    before: [...hold.before], services: hold.services,
  };
  return { Name: moveConfigName(hold.volume), Labels: moveHoldLabels(hold), Data: Buffer.from(JSON.stringify(document), "utf8").toString("base64") };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === "string" && value !== "";
const isTexts = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

function parseServices(raw: unknown): MoveHold["services"] | string {
  if (!Array.isArray(raw)) return "services is not a list";
  const services: Array<MoveHold["services"][number]> = [];
  for (const item of raw) {
    if (!isObject(item) || !isText(item.id) || typeof item.name !== "string" || !isTexts(item.removed)) return "a service is not {id, name, removed}";
    services.push({ id: item.id, name: item.name, removed: [...item.removed], ...(typeof item.added === "string" ? { added: item.added } : {}) });
  }
  return services;
}

/** The end from the labels: undefined while the hold stands (or when the labels do not parse: it is then decided again). */
function endOf(labels: Readonly<Record<string, string>>): MoveHold["ended"] {
  const reason = labels[moveLabels.endedReason] as HoldEnd | undefined;
  const at = Date.parse(labels[moveLabels.endedAt] ?? "");
  if (reason === undefined || !holdEnds.includes(reason) || Number.isNaN(at)) return undefined;
  return { reason, at, message: labels[moveLabels.endedMessage] ?? "" };
}

/** A hold from its config, or why it cannot be read. */
export function moveHoldFromConfig(info: ConfigInfo): MoveHold | string {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(info.spec.Data, "base64").toString("utf8"));
  } catch {
    return "Data is not base64 JSON";
  }
  if (!isObject(document) || document.version !== 1) return "Data is not a version 1 move document";
  const { id, volume, nodeId, hostname, fromNode, toInstance, fromEpoch, withService, before } = document;
  if (!isText(id) || !isText(volume) || !isText(nodeId) || typeof hostname !== "string") return "Data lacks the move's id, volume or target";
  const requestedAt = Date.parse(String(document.requestedAt));
  const until = Date.parse(String(document.until));
  if (Number.isNaN(requestedAt) || Number.isNaN(until)) return "Data has no valid requestedAt or until";
  if (typeof withService !== "boolean" || !isTexts(before)) return "Data has no withService or before";
  const services = parseServices(document.services);
  if (typeof services === "string") return services;
  if (moveConfigName(volume) !== info.spec.Name) return `config name ${info.spec.Name} is not the hash of volume ${volume}`;
  if (info.spec.Labels[moveLabels.id] !== id) return `label ${moveLabels.id} is not the document's move ${id}`;
  const ended = endOf(info.spec.Labels);
  const arrivedAt = Date.parse(info.spec.Labels[moveLabels.arrivedAt] ?? "");
  return {
    id, volume, nodeId, hostname, requestedAt, until, withService, before: [...before], services,
    ...(typeof fromNode === "string" ? { fromNode } : {}), ...(isText(toInstance) ? { toInstance } : {}),
    ...(Number.isSafeInteger(fromEpoch) ? { fromEpoch: fromEpoch as number } : {}),
    ...(Number.isNaN(arrivedAt) ? {} : { arrivedAt }), ...(ended ? { ended } : {}),
  };
}
