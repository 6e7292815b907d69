/**
 * Batched reads. A resync of V volumes costs ceil(V/500) DescribeVolumes calls, never one
 * call per volume: EC2 rate-limits per account, and the controller shares that budget with
 * everything else the account runs.
 */
import {
  DescribeInstancesCommand, DescribeVolumesCommand,
  type DescribeInstancesCommandOutput, type DescribeVolumesCommandOutput, type Instance, type Volume, type VolumeAttachment,
} from "@aws-sdk/client-ec2";
import type { CloudAttachment, CloudAttachmentState, CloudInstance, CloudVolume, CloudVolumeState, InstanceState } from "../../core/cloud.js";
import { cloudTags } from "../../core/cloud.js";
import { isSwarmvolError } from "../../core/errors.js";
import type { Ec2Caller } from "./ec2Api.js";
import { GiB } from "./options.js";

/** EC2's page and id-list ceiling for DescribeVolumes. */
export const describeBatchSize = 500;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const volumeStates = new Set<CloudVolumeState>(["creating", "available", "in-use", "deleting", "deleted", "error"]);
const attachmentStates = new Set<CloudAttachmentState>(["attaching", "attached", "detaching", "busy"]);
const instanceStates = new Set<InstanceState>(["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]);

function toAttachment(a: VolumeAttachment): CloudAttachment | undefined {
  const state = a.State as CloudAttachmentState | undefined;
  // A `detached` item (some EC2 answers keep it briefly) is no attachment at all.
  if (state === undefined || !attachmentStates.has(state) || a.InstanceId === undefined) return undefined;
  // AttachTime is when the attach began: how long one still `attaching` has hung (ADR 0013).
  const since = state === "attaching" ? a.AttachTime?.getTime() : undefined;
  return { instanceId: a.InstanceId, device: a.Device ?? "", state, ...(since === undefined || Number.isNaN(since) ? {} : { since }) };
}

/** An SDK Volume in swarmvol's terms. Sizes are whole GiB on the wire. */
export function toCloudVolume(v: Volume): CloudVolume {
  const state = v.State as CloudVolumeState | undefined;
  const tags: Record<string, string> = {};
  for (const tag of v.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
  return {
    id: v.VolumeId ?? "",
    zone: v.AvailabilityZone ?? "",
    sizeBytes: (v.Size ?? 0) * GiB,
    state: state !== undefined && volumeStates.has(state) ? state : "error",
    attachments: (v.Attachments ?? []).map(toAttachment).filter((a): a is CloudAttachment => a !== undefined),
    tags,
  };
}

/** An EC2 instance state name in swarmvol's terms ("unknown" for anything else). */
export function instanceStateOf(name: string | undefined): InstanceState {
  return name !== undefined && instanceStates.has(name as InstanceState) ? name as InstanceState : "unknown";
}

export function toCloudInstance(i: Instance): CloudInstance {
  return {
    id: i.InstanceId ?? "", zone: i.Placement?.AvailabilityZone ?? "", state: instanceStateOf(i.State?.Name),
    ...(i.SubnetId === undefined || i.SubnetId === "" ? {} : { subnetId: i.SubnetId }),
  };
}

/** The ids an EC2 NotFound message names (`The volume 'vol-1,vol-2' does not exist.`). */
export function idsInMessage(message: string, prefix: "vol" | "i"): string[] {
  return message.match(new RegExp(`\\b${prefix}-[0-9a-f]+\\b`, "g")) ?? [];
}

/**
 * Runs one id-list request; when EC2 refuses the whole list because some ids no longer
 * exist, drops the ids its message names and asks again (one extra call per vanished batch).
 */
async function withoutMissing<T>(ids: string[], prefix: "vol" | "i", fetch: (ids: string[]) => Promise<T[]>): Promise<T[]> {
  let remaining = ids;
  for (;;) {
    try {
      return remaining.length === 0 ? [] : await fetch(remaining);
    } catch (err) {
      if (!isSwarmvolError(err, "NOT_FOUND")) throw err;
      const missing = new Set(idsInMessage(err.message, prefix));
      const next = remaining.filter((id) => !missing.has(id));
      if (next.length === remaining.length) throw err;
      remaining = next;
    }
  }
}

/** Follows NextToken from `first` on. */
export async function pages<T>(fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...page.items);
    token = page.next || undefined;
  } while (token !== undefined);
  return all;
}

/**
 * Every swarmvol volume (tag-key filter, pages of 500), or the given ids in batches of 500.
 * Ids that do not exist are left out of the result.
 */
export async function describeVolumes(caller: Ec2Caller, ids?: readonly string[]): Promise<CloudVolume[]> {
  if (ids === undefined) {
    const volumes = await pages(async (token) => {
      const out = await caller.call<DescribeVolumesCommandOutput>(new DescribeVolumesCommand({
        Filters: [{ Name: "tag-key", Values: [cloudTags.uid] }], MaxResults: describeBatchSize, NextToken: token,
      }));
      return { items: out.Volumes ?? [], next: out.NextToken };
    });
    return volumes.map(toCloudVolume);
  }
  const results: CloudVolume[] = [];
  for (const batch of chunk([...new Set(ids)], describeBatchSize)) {
    const volumes = await withoutMissing(batch, "vol", (batchIds) => pages(async (token) => {
      const out = await caller.call<DescribeVolumesCommandOutput>(new DescribeVolumesCommand({ VolumeIds: batchIds, NextToken: token }));
      return { items: out.Volumes ?? [], next: out.NextToken };
    }));
    results.push(...volumes.map(toCloudVolume));
  }
  return results;
}

/** The given instances, in batches; instances EC2 does not know are left out. */
export async function describeInstances(caller: Ec2Caller, ids: readonly string[]): Promise<CloudInstance[]> {
  const results: CloudInstance[] = [];
  for (const batch of chunk([...new Set(ids)], describeBatchSize)) {
    const instances = await withoutMissing(batch, "i", (batchIds) => pages(async (token) => {
      const out = await caller.call<DescribeInstancesCommandOutput>(new DescribeInstancesCommand({ InstanceIds: batchIds, NextToken: token }), {});
      return { items: (out.Reservations ?? []).flatMap((r) => r.Instances ?? []), next: out.NextToken };
    }));
    results.push(...instances.map(toCloudInstance));
  }
  return results;
}
