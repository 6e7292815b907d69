/**
 * The lab's instance list: one EC2 instance per lab node. Read from a JSON file either as
 * `{"instances": [...]}` or as a bare array.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { InstanceSpec } from "./types.js";

/** What the lab passes in; `instanceId` is derived from `name` when absent. */
export type InstanceConfig = Omit<InstanceSpec, "instanceId"> & { instanceId?: string };

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

function str(entry: Record<string, unknown>, key: string, where: string): string {
  const v = entry[key];
  if (typeof v !== "string" || v === "") throw new TypeError(`${where}: \`${key}\` must be a non-empty string`);
  return v;
}

/** Validates the list and fills in ids; a stable id from the name keeps restarts consistent. */
export function normalizeInstances(list: readonly unknown[]): InstanceSpec[] {
  const seen = new Set<string>();
  return list.map((raw, n) => {
    const where = `instances[${n}]`;
    if (typeof raw !== "object" || raw === null) throw new TypeError(`${where} must be an object`);
    const entry = raw as Record<string, unknown>;
    const name = str(entry, "name", where);
    const instanceId = entry.instanceId === undefined
      ? `i-0${createHash("sha256").update(name).digest("hex").slice(0, 16)}`
      : str(entry, "instanceId", where);
    if (!INSTANCE_ID.test(instanceId)) throw new TypeError(`${where}: \`instanceId\` ${instanceId} is not an EC2 instance id`);
    if (seen.has(instanceId)) throw new TypeError(`${where}: duplicate instance id ${instanceId}`);
    seen.add(instanceId);
    return {
      instanceId, name, zone: str(entry, "zone", where),
      deviceDir: str(entry, "deviceDir", where), privateIp: str(entry, "privateIp", where),
    };
  });
}

export async function loadInstancesFile(path: string): Promise<InstanceSpec[]> {
  const parsed = JSON.parse(await readFile(path, "utf8")) as unknown;
  const list = Array.isArray(parsed) ? parsed : (parsed as { instances?: unknown }).instances;
  if (!Array.isArray(list)) throw new TypeError(`${path}: expected an array or {"instances": [...]}`);
  return normalizeInstances(list);
}
