import type { CloudAttachment, CloudInstance, CloudVolume, CloudVolumes, CreateCloudVolume, InstancePower, InstanceState } from "../../core/cloud.js";
import { inUse, notFound } from "../../core/errors.js";

/**
 * A recording, in-memory cloud: mutations happen at once (attach → attached, detach →
 * gone) and every call lands in `calls`, so component tests assert exact sequences.
 */
export class FakeCloud implements CloudVolumes, InstancePower {
  readonly calls: string[] = [];
  readonly volumes = new Map<string, CloudVolume>();
  readonly instances = new Map<string, CloudInstance>();
  private nextId = 1;
  /** Volume ids by the idempotency token they were created with. */
  private readonly tokens = new Map<string, string>();
  /** Makes the next call of that verb throw once. */
  failNext: Partial<Record<"create" | "attach" | "detach" | "describe" | "setTags" | "delete", Error>> = {};
  /**
   * Makes the next attach or detach hang like an EBS transition stuck in the cloud: the
   * attachment is left `attaching` (stamped `since` the given time, as EC2's AttachTime) or
   * `detaching`, and the call never returns (its caller waits, as EbsCloud would, or dies).
   */
  stickNext: { attach?: number; detach?: boolean } = {};

  private fail(verb: keyof FakeCloud["failNext"]): void {
    const error = this.failNext[verb];
    if (error) {
      delete this.failNext[verb];
      throw error;
    }
  }

  /** Idempotent like EC2's ClientToken: by the uid, or a relocation's key (a new volume of the same uid). */
  async create(request: CreateCloudVolume): Promise<CloudVolume> {
    const relocation = request.relocation;
    this.calls.push(`create ${request.name} ${request.zone}${relocation ? ` from ${relocation.snapshotId ?? "nothing"}` : ""}`);
    this.fail("create");
    const token = relocation?.key ?? `uid:${request.uid}`;
    const made = this.tokens.get(token);
    const existing = (made === undefined ? undefined : this.volumes.get(made))
      ?? (relocation ? undefined : [...this.volumes.values()].find((volume) => volume.tags["swarmvol/uid"] === request.uid));
    if (existing) return structuredClone(existing);
    const volume: CloudVolume = {
      id: `vol-${this.nextId++}`, zone: request.zone, sizeBytes: request.sizeBytes, state: "available", attachments: [],
      tags: {
        "swarmvol/name": request.name, "swarmvol/uid": request.uid, "swarmvol/epoch": String(relocation?.epoch ?? 0),
        ...(relocation ? { "swarmvol/relocatedFrom": relocation.fromVolumeId } : {}),
      },
    };
    this.volumes.set(volume.id, volume);
    this.tokens.set(token, volume.id);
    return structuredClone(volume);
  }

  async describe(ids?: readonly string[]): Promise<CloudVolume[]> {
    this.calls.push(`describe ${ids?.join(",") ?? "*"}`);
    this.fail("describe");
    const all = [...this.volumes.values()];
    return structuredClone(ids ? all.filter((volume) => ids.includes(volume.id)) : all);
  }

  async attach(volumeId: string, instanceId: string): Promise<CloudAttachment> {
    this.calls.push(`attach ${volumeId} ${instanceId}`);
    this.fail("attach");
    const volume = this.get(volumeId);
    const existing = volume.attachments.find((attachment) => attachment.instanceId === instanceId);
    if (existing) return structuredClone(existing);
    const stuckSince = this.stickNext.attach;
    delete this.stickNext.attach;
    const attachment: CloudAttachment = stuckSince === undefined
      ? { instanceId, device: "/dev/xvdba", state: "attached" }
      : { instanceId, device: "/dev/xvdba", state: "attaching", since: stuckSince };
    volume.attachments.push(attachment);
    volume.state = "in-use";
    if (stuckSince !== undefined) return new Promise<never>(() => undefined);
    return structuredClone(attachment);
  }

  async detach(volumeId: string, instanceId: string, options: { force: boolean }): Promise<void> {
    this.calls.push(`detach ${volumeId} ${instanceId}${options.force ? " force" : ""}`);
    this.fail("detach");
    const volume = this.get(volumeId);
    if (this.stickNext.detach) {
      delete this.stickNext.detach;
      for (const attachment of volume.attachments) if (attachment.instanceId === instanceId) attachment.state = "detaching";
      return new Promise<never>(() => undefined);
    }
    volume.attachments = volume.attachments.filter((attachment) => attachment.instanceId !== instanceId);
    if (volume.attachments.length === 0) volume.state = "available";
  }

  async delete(volumeId: string): Promise<void> {
    this.calls.push(`delete ${volumeId}`);
    this.fail("delete");
    const volume = this.volumes.get(volumeId);
    if (volume && volume.attachments.length > 0) throw inUse(`The volume '${volumeId}' is attached to ${volume.attachments.map((a) => a.instanceId).join(",")}`);
    this.volumes.delete(volumeId);
  }

  async setTags(volumeId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    this.calls.push(`tags ${volumeId} ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(",")}`);
    this.fail("setTags");
    const volume = this.get(volumeId);
    volume.tags = { ...volume.tags, ...tags };
  }

  async describeInstances(ids: readonly string[]): Promise<CloudInstance[]> {
    this.calls.push(`describeInstances ${ids.join(",")}`);
    return ids.map((id) => this.instances.get(id) ?? { id, zone: "z1", state: "running" });
  }

  /**
   * How forced stops go: "stops" (the instance reads stopped from the next describe on),
   * "hangs" (it stays stopping), or an Error the stop is refused with.
   */
  stopOutcome: "stops" | "hangs" | Error = "stops";

  async forceStop(instanceId: string): Promise<InstanceState> {
    this.calls.push(`stop ${instanceId}`);
    if (this.stopOutcome instanceof Error) throw this.stopOutcome;
    this.instances.set(instanceId, { id: instanceId, zone: "z1", state: this.stopOutcome === "stops" ? "stopped" : "stopping" });
    return "stopping";
  }

  private get(volumeId: string): CloudVolume {
    const volume = this.volumes.get(volumeId);
    if (!volume) throw notFound(`The volume '${volumeId}' does not exist.`);
    return volume;
  }
}
