/**
 * The emulator's state machine. Every request runs exclusively (one at a time) after the
 * transitions that are due have been applied, and the state is persisted after it when it
 * changed. Transitions are also driven by timers on the injected Clock, so devices appear
 * on time even when nobody polls.
 */
import { setMaxListeners } from "node:events";
import type { Clock, Logger } from "../../core/ports.js";
import type { DeviceHost } from "./deviceHost.js";
import { nullShareHost, type FileShareHost } from "./efs/shareHost.js";
import { defaultEfsSettings, type EfsSettings } from "./efs/subnets.js";
import { advanceEfs, rearmEfs, syncShares } from "./efs/transitions.js";
import { errors } from "./ec2Error.js";
import type { CloudEvent, EventLog } from "./eventLog.js";
import type { Faults } from "./faults.js";
import { advanceInstance } from "./instanceStates.js";
import { advanceModification, modificationsOf } from "./modifications.js";
import { nullPowerHost, type PowerHost } from "./power.js";
import { bool, type Params } from "./params.js";
import type { Rng } from "./rng.js";
import type { StateFile } from "./store.js";
import { isoTime } from "./xml.js";
import type { AttachmentRecord, CloudState, InstanceRecord, InstanceStateName, VolumeRecord } from "./types.js";

export interface EngineDeps {
  state: CloudState;
  faults: Faults;
  clock: Clock;
  rng: Rng;
  host: DeviceHost;
  /** What cuts an instance's power when it stops. @default nullPowerHost */
  power?: PowerHost;
  log: EventLog;
  logger: Logger;
  stateFile?: StateFile;
  region: string;
  /** Where EFS file systems live and are served over NFS. @default nullShareHost */
  shares?: FileShareHost;
  /** EFS's network: subnets, the NFS address. @default a subnet per instance zone */
  efs?: EfsSettings;
}

export class CloudEngine {
  readonly state: CloudState;
  faults: Faults;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly host: DeviceHost;
  readonly power: PowerHost;
  readonly log: EventLog;
  readonly logger: Logger;
  readonly region: string;
  readonly shares: FileShareHost;
  readonly efs: EfsSettings;
  private readonly stateFile?: StateFile;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();
  private lastSaved = "";

  constructor(deps: EngineDeps) {
    this.state = deps.state;
    this.faults = deps.faults;
    this.clock = deps.clock;
    this.rng = deps.rng;
    this.host = deps.host;
    this.power = deps.power ?? nullPowerHost;
    this.log = deps.log;
    this.logger = deps.logger;
    this.region = deps.region;
    this.stateFile = deps.stateFile;
    this.shares = deps.shares ?? nullShareHost;
    this.efs = deps.efs ?? defaultEfsSettings(Object.values(deps.state.instances).map((i) => i.zone));
    this.lastSaved = JSON.stringify(this.state);
    // Every pending transition sleeps on this one signal: a burst legitimately has dozens.
    setMaxListeners(0, this.abort.signal);
  }

  now(): number {
    return this.clock.now();
  }

  /** Runs `fn` alone, after due transitions, and persists afterwards if anything changed. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(async () => {
      await this.advance();
      try {
        return await fn();
      } finally {
        await syncShares(this);
        await this.persist();
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Wakes the state machine at `at` (epoch ms). Every pending transition is re-armed at start. */
  schedule(at: number): void {
    const signal = this.abort.signal;
    if (signal.aborted) return;
    this.clock.sleep(Math.max(0, at - this.now()), signal).then(
      () => this.exclusive(() => undefined).catch((err: unknown) => this.logger.error({ err }, "transition failed")),
      () => undefined,
    );
  }

  /** Re-arms timers for every transition in flight (after a restart). */
  rearm(): void {
    for (const v of Object.values(this.state.volumes)) {
      if (v.status === "creating" || v.status === "deleting") this.schedule(v.dueAt);
      if (v.attachment !== undefined && !v.attachment.stuck) this.schedule(v.attachment.dueAt);
    }
    for (const s of Object.values(this.state.snapshots)) if (s.status === "pending") this.schedule(s.dueAt);
    for (const i of Object.values(this.state.instances)) if (i.dueAt !== undefined) this.schedule(i.dueAt);
    for (const m of Object.values(modificationsOf(this))) {
      if (m.state === "modifying") this.schedule(m.optimizingAt);
      if (m.state === "optimizing") this.schedule(m.endTime);
    }
    rearmEfs(this);
  }

  event(e: Omit<CloudEvent, "seq" | "time">): void {
    this.log.append({ time: isoTime(this.now()), ...e });
  }

  /** Whether a resource created at `createdAt` is visible to Describe* yet (eventual consistency). */
  visible(createdAt: number): boolean {
    return this.now() - createdAt >= this.faults.describeDelayMs;
  }

  /** Validation is done; a DryRun request stops here with DryRunOperation. */
  dryRunGate(p: Params): void {
    if (bool(p, "DryRun") === true) throw errors.dryRun();
  }

  zones(): Set<string> {
    return new Set(Object.values(this.state.instances).map((i) => i.zone));
  }

  /** Sets an instance's state and logs it; no other effect. */
  changeInstanceState(instance: InstanceRecord, state: InstanceStateName): void {
    instance.state = state;
    this.event({ type: "instance-state", instanceId: instance.instanceId, detail: state });
  }

  /** The admin route's state change; terminating force-detaches everything it holds. */
  async setInstanceState(instance: InstanceRecord, state: InstanceStateName): Promise<void> {
    instance.dueAt = undefined;
    this.changeInstanceState(instance, state);
    if (state !== "terminated") return;
    for (const v of Object.values(this.state.volumes)) {
      const a = v.attachment;
      if (a?.instanceId !== instance.instanceId) continue;
      a.forced = true;
      await this.finishDetach(v, a);
    }
  }

  async close(): Promise<void> {
    this.abort.abort(new Error("emulator closed"));
    await this.chain;
    await this.persist();
    await this.log.flush();
    await this.shares.close();
  }

  private async persist(): Promise<void> {
    if (this.stateFile === undefined) return;
    const text = JSON.stringify(this.state);
    if (text === this.lastSaved) return;
    this.lastSaved = text;
    await this.stateFile.save(this.state);
  }

  /** Applies every transition that is due now. */
  private async advance(): Promise<void> {
    const now = this.now();
    for (const v of Object.values(this.state.volumes)) {
      try {
        await this.advanceVolume(v, now);
      } catch (err) {
        // a device operation failed: keep serving requests and try this volume again later
        this.logger.error({ err, volumeId: v.volumeId }, "transition failed; will retry");
        const retryAt = now + this.faults.busyPollMs;
        v.dueAt = Math.max(v.dueAt, retryAt);
        if (v.attachment !== undefined) v.attachment.dueAt = Math.max(v.attachment.dueAt, retryAt);
        this.schedule(retryAt);
      }
    }
    for (const s of Object.values(this.state.snapshots)) {
      if (s.status === "pending" && s.dueAt <= now) s.status = "completed";
    }
    await this.advanceModifications(now);
    for (const i of Object.values(this.state.instances)) await this.advancePower(i, now);
    await advanceEfs(this, now);
  }

  /** Due modification phases; a resize the device host failed is tried again shortly. */
  private async advanceModifications(now: number): Promise<void> {
    for (const m of Object.values(modificationsOf(this))) {
      try {
        await advanceModification(this, m, now);
      } catch (err) {
        this.logger.error({ err, volumeId: m.volumeId }, "volume resize failed; will retry");
        m.optimizingAt = Math.max(m.optimizingAt, now + this.faults.busyPollMs);
        m.endTime = Math.max(m.endTime, m.optimizingAt + this.faults.latencyMs.optimize);
        this.schedule(m.optimizingAt);
      }
    }
  }

  /** An instance's due stop or start; a power failure keeps it where it is and retries. */
  private async advancePower(instance: InstanceRecord, now: number): Promise<void> {
    try {
      await advanceInstance(this, instance, now);
    } catch (err) {
      this.logger.error({ err, instanceId: instance.instanceId }, "power transition failed; will retry");
      instance.dueAt = now + this.faults.busyPollMs;
      this.schedule(instance.dueAt);
    }
  }

  private async advanceVolume(v: VolumeRecord, now: number): Promise<void> {
    if (v.status === "creating" && v.dueAt <= now) await this.finishCreate(v);
    if (v.status === "deleting" && v.dueAt <= now) {
      await this.host.deleteVolume(v.volumeId);
      delete this.state.volumes[v.volumeId];
      this.event({ type: "volume-deleted", volumeId: v.volumeId });
      return;
    }
    const a = v.attachment;
    if (a === undefined || a.dueAt > now) return;
    if (a.status === "attaching" && !a.stuck) await this.finishAttach(v, a);
    else if ((a.status === "detaching" || a.status === "busy") && !a.stuck) await this.finishDetach(v, a);
  }

  private async finishCreate(v: VolumeRecord): Promise<void> {
    try {
      await this.host.createVolume(v.volumeId, v.size, v.snapshotId === "" ? undefined : v.snapshotId);
      await this.dropDeletedSource(v);
      v.status = "available";
      this.event({ type: "volume-created", volumeId: v.volumeId });
    } catch (err) {
      this.logger.warn({ err, volumeId: v.volumeId }, "volume storage could not be created");
      v.status = "error";
      await this.dropDeletedSource(v).catch(() => undefined);
    }
  }

  /** The bytes of a snapshot deleted while this volume was restored from it, once no restore needs them. */
  private async dropDeletedSource(v: VolumeRecord): Promise<void> {
    const { snapshotId } = v;
    if (snapshotId === "" || this.state.snapshots[snapshotId] !== undefined) return;
    const others = Object.values(this.state.volumes).some((o) => o !== v && o.status === "creating" && o.snapshotId === snapshotId);
    if (!others) await this.host.deleteSnapshot(snapshotId);
  }

  private async finishAttach(v: VolumeRecord, a: AttachmentRecord): Promise<void> {
    const instance = this.state.instances[a.instanceId];
    try {
      if (instance !== undefined) await this.host.attach(v.volumeId, instance, a.device);
    } catch (err) {
      this.logger.warn({ err, volumeId: v.volumeId, instanceId: a.instanceId }, "device attach failed; retrying");
      a.dueAt = this.now() + this.faults.busyPollMs;
      this.schedule(a.dueAt);
      return;
    }
    a.deviceAttached = true;
    a.status = "attached";
    this.event({ type: "attached", volumeId: v.volumeId, instanceId: a.instanceId, device: a.device });
  }

  /** Completes a detach, or parks it as `busy` while the instance still has the device mounted. */
  async finishDetach(v: VolumeRecord, a: AttachmentRecord): Promise<void> {
    const instance = this.state.instances[a.instanceId];
    // A stopped instance uses nothing: its detach never waits on the device (as in AWS).
    const running = instance !== undefined && instance.state !== "stopped";
    if (running && a.deviceAttached && !a.forced && (await this.host.isBusy(v.volumeId, instance))) {
      if (a.status !== "busy") this.event({ type: "detach-busy", volumeId: v.volumeId, instanceId: a.instanceId });
      a.status = "busy";
      a.dueAt = this.now() + this.faults.busyPollMs;
      this.schedule(a.dueAt);
      return;
    }
    if (instance !== undefined && a.deviceAttached) await this.host.detach(v.volumeId, instance, { force: a.forced });
    v.attachment = undefined;
    v.status = "available";
    this.event({ type: a.forced ? "force-detached" : "detached", volumeId: v.volumeId, instanceId: a.instanceId, device: a.device });
  }
}
