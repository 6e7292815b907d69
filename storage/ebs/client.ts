/**
 * The EC2 client factory for cli/, the composition root. Nothing else in swarmvol
 * constructs an SDK client.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import type { Ec2Api } from "./ec2Api.js";

export interface Ec2ClientOptions {
  region: string;
  /** An EC2-compatible endpoint (the lab emulator). When given, dummy credentials are used: the emulator checks no signature. */
  endpoint?: string;
}

/**
 * Builds an EC2Client with `maxAttempts: 1`: retries belong to EbsCloud's p-retry layer
 * (docs/adr/0004-ebs-retry-layers.md), so a throttled request is never retried 3 × 7 times.
 * Without `endpoint`, credentials come from the SDK's default chain (instance role).
 */
export function createEc2Client(options: Ec2ClientOptions): EC2Client & Ec2Api {
  if (typeof options.region !== "string" || options.region === "") {
    throw new TypeError("`region` must be an AWS region name, like us-east-1");
  }
  const client = new EC2Client({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint === undefined
      ? {}
      : { endpoint: options.endpoint, credentials: { accessKeyId: "swarmvol-lab", secretAccessKey: "swarmvol-lab" } }),
  });
  return client;
}
