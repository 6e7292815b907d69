/**
 * The EC2 half of power fencing (ADR 0012): StopInstances with Force, as fence_aws sends
 * it. A forced stop skips the OS shutdown, so nothing on the instance runs after it; EBS
 * volumes stay attached to the stopped instance and may then be force-detached.
 * StopInstances is idempotent (a stopping or stopped instance answers with its state), so
 * it goes through the same retry layer as every other request (ADR 0004).
 */
import { StopInstancesCommand, type StopInstancesCommandOutput } from "@aws-sdk/client-ec2";
import type { InstanceState } from "../../core/cloud.js";
import { internal } from "../../core/errors.js";
import { instanceStateOf } from "./describe.js";
import type { Ec2Caller } from "./ec2Api.js";

/** Sends a forced stop of one instance; the state EC2 reports right after it (`stopping`, or `stopped`). */
export async function forceStopInstance(caller: Ec2Caller, instanceId: string): Promise<InstanceState> {
  const out = await caller.call<StopInstancesCommandOutput>(new StopInstancesCommand({ InstanceIds: [instanceId], Force: true }), { instanceId });
  const change = out.StoppingInstances?.find((item) => item.InstanceId === instanceId);
  if (change === undefined) throw internal(`EC2 StopInstances answered without instance ${instanceId}`, { instanceId });
  return instanceStateOf(change.CurrentState?.Name);
}
