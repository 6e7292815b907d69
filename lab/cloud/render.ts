/**
 * Resources → EC2 XML members. Names follow the SDK's schema (`volumeSet/item`,
 * `attachmentSet/item`, `reservationSet/item/instancesSet/item`, …).
 */
import { el, isoTime, list, node, tagSetXml } from "./xml.js";
import {
  ACCOUNT_ID, instanceStateCodes,
  type InstanceRecord, type InstanceSpec, type SnapshotRecord, type VolumeRecord,
} from "./types.js";

/** The members of a VolumeAttachment (AttachVolume/DetachVolume result, attachmentSet item). */
export function attachmentXml(volume: VolumeRecord): string {
  const a = volume.attachment;
  if (a === undefined) return "";
  return el("volumeId", volume.volumeId) + el("instanceId", a.instanceId) + el("device", a.device) +
    el("status", a.status) + el("attachTime", isoTime(a.attachTime)) + el("deleteOnTermination", false);
}

/** The members of a Volume. `statusOverride` renders a gone volume as `deleted`. */
export function volumeXml(v: VolumeRecord, statusOverride?: string): string {
  const attachments = v.attachment === undefined ? [] : [v];
  return el("volumeId", v.volumeId) + el("size", v.size) + el("snapshotId", v.snapshotId) +
    el("availabilityZone", v.zone) + el("status", statusOverride ?? v.status) +
    el("createTime", isoTime(v.createTime)) +
    list("attachmentSet", attachments, attachmentXml) +
    (Object.keys(v.tags).length > 0 ? tagSetXml(v.tags) : "") +
    el("volumeType", v.volumeType) + el("iops", v.iops) + el("throughput", v.throughput) +
    el("encrypted", v.encrypted) + el("kmsKeyId", v.kmsKeyId) +
    el("multiAttachEnabled", false) + el("fastRestored", false);
}

/**
 * What DescribeSnapshots says of a snapshot's progress: `100%` once completed, else the
 * share of its latency that has passed (EBS's own figure climbs the same way), never 100%
 * while still pending.
 */
export function snapshotProgress(s: SnapshotRecord, now: number): string {
  if (s.status === "completed") return "100%";
  if (s.status !== "pending" || s.dueAt <= s.startTime) return "0%";
  return `${Math.min(99, Math.max(0, Math.floor(((now - s.startTime) / (s.dueAt - s.startTime)) * 100)))}%`;
}

export function snapshotXml(s: SnapshotRecord, now: number): string {
  return el("snapshotId", s.snapshotId) + el("volumeId", s.volumeId) + el("status", s.status) +
    el("startTime", isoTime(s.startTime)) + el("progress", snapshotProgress(s, now)) +
    el("ownerId", ACCOUNT_ID) + el("volumeSize", s.volumeSize) + el("description", s.description) +
    el("encrypted", s.encrypted) + el("kmsKeyId", s.kmsKeyId) + el("storageTier", "standard") +
    el("completionTime", s.status === "completed" ? isoTime(s.dueAt) : undefined) +
    (Object.keys(s.tags).length > 0 ? tagSetXml(s.tags) : "");
}

function blockDevicesXml(instance: InstanceRecord, volumes: readonly VolumeRecord[]): string {
  const mine = volumes.filter((v) => v.attachment?.instanceId === instance.instanceId);
  return list("blockDeviceMapping", mine, (v) => {
    const a = v.attachment;
    if (a === undefined) return "";
    return el("deviceName", a.device) + node("ebs", el("volumeId", v.volumeId) + el("status", a.status) +
      el("attachTime", isoTime(a.attachTime)) + el("deleteOnTermination", false));
  });
}

function instanceXml(i: InstanceRecord, volumes: readonly VolumeRecord[], subnetId: string | undefined): string {
  const tags = { Name: i.name, ...i.tags };
  return el("instanceId", i.instanceId) + el("imageId", "ami-0000000000000000a") +
    node("instanceState", el("code", instanceStateCodes[i.state]) + el("name", i.state)) +
    el("privateDnsName", privateDnsName(i)) + el("instanceType", "t3.micro") +
    el("launchTime", isoTime(i.launchTime)) +
    node("placement", el("availabilityZone", i.zone) + el("tenancy", "default")) +
    el("privateIpAddress", i.privateIp) + el("subnetId", subnetId) + el("rootDeviceType", "ebs") + el("rootDeviceName", "/dev/xvda") +
    blockDevicesXml(i, volumes) + tagSetXml(tags);
}

/**
 * One reservation per instance, as when each lab node was launched on its own. `subnetId`:
 * the subnet of its zone (EFS's, lab/cloud/efs/subnets.ts), where its mount target goes.
 */
export function reservationXml(i: InstanceRecord, volumes: readonly VolumeRecord[], subnetId?: string): string {
  const reservationId = `r-${i.instanceId.slice(2)}`;
  return el("reservationId", reservationId) + el("ownerId", ACCOUNT_ID) + node("groupSet", "") +
    list("instancesSet", [i], (x) => instanceXml(x, volumes, subnetId));
}

export function privateDnsName(i: InstanceSpec): string {
  return `ip-${i.privateIp.replace(/\./g, "-")}.ec2.internal`;
}
