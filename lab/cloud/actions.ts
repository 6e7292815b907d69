/** The action table: every EC2 action the emulator answers, by its Query API name. */
import { attachVolume, detachVolume } from "./attachments.js";
import type { CloudEngine } from "./engine.js";
import { createTags, deleteTags, describeInstances } from "./instances.js";
import { startInstances, stopInstances } from "./instanceStates.js";
import type { Params } from "./params.js";
import { createSnapshot, deleteSnapshot, describeSnapshots } from "./snapshots.js";
import { describeVolumesModifications, modifyVolume } from "./modifications.js";
import { createVolume, deleteVolume, describeVolumes } from "./volumes.js";

/** Returns the response members (XML) or throws an Ec2Error. */
export type ActionHandler = (engine: CloudEngine, params: Params) => string | Promise<string>;

export const actions: Readonly<Record<string, ActionHandler>> = {
  CreateVolume: createVolume,
  DescribeVolumes: describeVolumes,
  DeleteVolume: deleteVolume,
  AttachVolume: attachVolume,
  DetachVolume: detachVolume,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeInstances: describeInstances,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  CreateSnapshot: createSnapshot,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  ModifyVolume: modifyVolume,
  DescribeVolumesModifications: describeVolumesModifications,
};
