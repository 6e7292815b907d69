/**
 * The two crash points that sit between an EC2 request and its effect (core/crashPoints.ts):
 * `controller.attach.requested` once EC2 has accepted AttachVolume, and
 * `controller.detach.requested` once it has accepted DetachVolume, before EbsCloud starts
 * waiting for the transition. A decorator of the client, so EbsCloud itself knows nothing of
 * crash points; a request EC2 refused reaches no step.
 */
import { AttachVolumeCommand, DetachVolumeCommand } from "@aws-sdk/client-ec2";
import { noCrashPoints, type CrashPoints } from "../../core/ports.js";
import type { Ec2Api, Ec2Command } from "./ec2Api.js";

/** `client` with the request steps reported to `crashPoints` (no wrapper when there are none). */
export function withCrashPoints(client: Ec2Api, crashPoints: CrashPoints | undefined): Ec2Api {
  if (crashPoints === undefined || crashPoints === noCrashPoints) return client;
  const send = client.send.bind(client) as (command: Ec2Command) => Promise<unknown>;
  const wrapped = {
    async send(command: Ec2Command): Promise<unknown> {
      const output = await send(command);
      if (command instanceof AttachVolumeCommand) crashPoints.reached("controller.attach.requested");
      if (command instanceof DetachVolumeCommand) crashPoints.reached("controller.detach.requested");
      return output;
    },
  };
  return wrapped as Ec2Api;
}
