/** DescribeInstances, CreateTags and DeleteTags. */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { applyFilters, paginate, tagField } from "./filters.js";
import { filters, indexed, int, optional, tagList, validateTags, type Params } from "./params.js";
import { privateDnsName, reservationXml } from "./render.js";
import { instanceStateCodes, type InstanceRecord, type Tags } from "./types.js";
import { el, list } from "./xml.js";

const INSTANCE_FILTERS = [
  "instance-id", "availability-zone", "instance-state-name", "instance-state-code", "private-ip-address",
  "private-dns-name", "instance-type", "block-device-mapping.volume-id",
];

function instanceField(engine: CloudEngine, i: InstanceRecord, name: string): string[] {
  const tag = tagField({ Name: i.name, ...i.tags }, name);
  if (tag !== undefined) return tag;
  const volumes = Object.values(engine.state.volumes).filter((v) => v.attachment?.instanceId === i.instanceId);
  const fields: Record<string, Array<string | number>> = {
    "instance-id": [i.instanceId], "availability-zone": [i.zone], "instance-state-name": [i.state],
    "instance-state-code": [instanceStateCodes[i.state]], "private-ip-address": [i.privateIp],
    "private-dns-name": [privateDnsName(i)], "instance-type": ["t3.micro"],
    "block-device-mapping.volume-id": volumes.map((v) => v.volumeId),
  };
  return (fields[name] ?? []).map(String);
}

export function describeInstances(engine: CloudEngine, p: Params): string {
  const ids = indexed(p, "InstanceId");
  const max = int(p, "MaxResults", 5, 1000);
  if (ids.length > 0 && max !== undefined) {
    throw errors.combination("The parameter instancesSet cannot be used with the parameter maxResults");
  }
  let instances = Object.values(engine.state.instances);
  if (ids.length > 0) {
    const missing = ids.filter((id) => engine.state.instances[id] === undefined);
    if (missing.length > 0) throw errors.instanceNotFound(missing);
    instances = instances.filter((i) => ids.includes(i.instanceId));
  }
  instances = applyFilters(instances, filters(p), INSTANCE_FILTERS, (i, name) => instanceField(engine, i, name));
  const page = paginate(instances, (i) => i.instanceId, max, optional(p, "NextToken"));
  const volumes = Object.values(engine.state.volumes);
  const subnetOf = (zone: string) => engine.efs.subnets.find((subnet) => subnet.zone === zone)?.subnetId;
  return list("reservationSet", page.items, (i) => reservationXml(i, volumes, subnetOf(i.zone))) + el("nextToken", page.nextToken);
}

/** The tag map of any taggable resource, by id prefix. */
function tagsOf(engine: CloudEngine, id: string): Tags {
  const { volumes, snapshots, instances } = engine.state;
  if (id.startsWith("vol-")) {
    const v = volumes[id];
    if (v === undefined) throw errors.volumeNotFound([id]);
    return v.tags;
  }
  if (id.startsWith("snap-")) {
    const s = snapshots[id];
    if (s === undefined) throw errors.snapshotNotFound([id]);
    return s.tags;
  }
  if (id.startsWith("i-")) {
    const i = instances[id];
    if (i === undefined) throw errors.instanceNotFound([id]);
    return i.tags;
  }
  throw errors.invalidId(id);
}

function resources(engine: CloudEngine, p: Params): Tags[] {
  const ids = indexed(p, "ResourceId");
  if (ids.length === 0) throw errors.missing("resourceIdSet");
  return ids.map((id) => tagsOf(engine, id));
}

export function createTags(engine: CloudEngine, p: Params): string {
  const targets = resources(engine, p);
  const tags = tagList(p, "Tag");
  if (tags.length === 0) throw errors.missing("tagSet");
  for (const target of targets) validateTags({ ...target, ...Object.fromEntries(tags.map((t) => [t.key, t.value ?? ""])) });
  engine.dryRunGate(p);
  for (const target of targets) for (const t of tags) target[t.key] = t.value ?? "";
  return el("return", true);
}

/** DeleteTags: no Tag.N deletes every tag; a given Value (even empty) must match to delete. */
export function deleteTags(engine: CloudEngine, p: Params): string {
  const targets = resources(engine, p);
  const tags = tagList(p, "Tag");
  engine.dryRunGate(p);
  for (const target of targets) {
    if (tags.length === 0) for (const key of Object.keys(target)) delete target[key];
    for (const t of tags) if (t.value === undefined || target[t.key] === t.value) delete target[t.key];
  }
  return el("return", true);
}
