/**
 * StopInstances and StartInstances, wire-faithful: `running` → `stopping` → `stopped`
 * (the PowerHost cuts the power at the end of `stopping`), `stopped` → `pending` →
 * `running`. Repeating either on an instance already on its way, or there, answers with
 * its state (AWS is idempotent here); any other state is `IncorrectInstanceState`, and
 * one unknown id fails the whole call with `InvalidInstanceID.NotFound`. As in AWS, EBS
 * volumes stay attached to a stopped instance and may then be detached, forced or not.
 */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { bool, indexed, type Params } from "./params.js";
import { instanceStateCodes, type InstanceRecord, type InstanceStateName } from "./types.js";
import { el, list, node } from "./xml.js";

function instancesOf(engine: CloudEngine, p: Params): InstanceRecord[] {
  const ids = indexed(p, "InstanceId");
  if (ids.length === 0) throw errors.missing("InstanceId");
  const missing = ids.filter((id) => engine.state.instances[id] === undefined);
  if (missing.length > 0) throw errors.instanceNotFound(missing);
  return [...new Set(ids)].map((id) => engine.state.instances[id] as InstanceRecord);
}

const stateXml = (tag: string, state: InstanceStateName) => node(tag, el("code", instanceStateCodes[state]) + el("name", state));

/** One `instancesSet` item: an InstanceStateChange. */
function changeXml(change: { instance: InstanceRecord; previous: InstanceStateName }): string {
  return el("instanceId", change.instance.instanceId) + stateXml("currentState", change.instance.state) + stateXml("previousState", change.previous);
}

/**
 * StopInstances [Force]: every instance must be running, stopping or stopped, else nothing
 * changes. A Force on one already stopping marks the stop forced.
 */
export function stopInstances(engine: CloudEngine, p: Params): string {
  const instances = instancesOf(engine, p);
  const force = bool(p, "Force") ?? false;
  bool(p, "Hibernate");
  const bad = instances.find((i) => i.state !== "running" && i.state !== "stopping" && i.state !== "stopped");
  if (bad !== undefined) throw errors.cannotStop(bad.instanceId);
  engine.dryRunGate(p);
  const changes = instances.map((instance) => ({ instance, previous: instance.state }));
  for (const { instance } of changes) {
    engine.event({ type: "stop-requested", instanceId: instance.instanceId, ...(force ? { detail: "force" } : {}) });
    if (instance.state === "stopped") continue;
    instance.forcedStop = (instance.forcedStop ?? false) || force;
    if (instance.state === "running") {
      instance.dueAt = engine.now() + engine.faults.latencyMs.stop;
      engine.changeInstanceState(instance, "stopping");
      engine.schedule(instance.dueAt);
    }
  }
  return list("instancesSet", changes, changeXml);
}

/** StartInstances: every instance must be stopped, pending or running, else nothing changes. */
export function startInstances(engine: CloudEngine, p: Params): string {
  const instances = instancesOf(engine, p);
  const bad = instances.find((i) => i.state !== "stopped" && i.state !== "pending" && i.state !== "running");
  if (bad !== undefined) throw errors.cannotStart(bad.instanceId);
  engine.dryRunGate(p);
  const changes = instances.map((instance) => ({ instance, previous: instance.state }));
  for (const { instance } of changes) {
    engine.event({ type: "start-requested", instanceId: instance.instanceId });
    if (instance.state !== "stopped") continue;
    instance.dueAt = engine.now() + engine.faults.latencyMs.start;
    engine.changeInstanceState(instance, "pending");
    engine.schedule(instance.dueAt);
  }
  return list("instancesSet", changes, changeXml);
}

/**
 * Ends a due `stopping` (power cut first, then `stopped`) or `pending` (power on, then
 * `running`). A PowerHost failure leaves the state as it is and tries again later.
 */
export async function advanceInstance(engine: CloudEngine, instance: InstanceRecord, now: number): Promise<void> {
  if (instance.dueAt === undefined || instance.dueAt > now) return;
  if (instance.state === "stopping") {
    await engine.power.powerOff(instance, { force: instance.forcedStop ?? false });
    instance.dueAt = undefined;
    instance.forcedStop = undefined;
    engine.changeInstanceState(instance, "stopped");
  } else if (instance.state === "pending") {
    await engine.power.powerOn(instance);
    instance.dueAt = undefined;
    engine.changeInstanceState(instance, "running");
  } else {
    instance.dueAt = undefined;
  }
}
