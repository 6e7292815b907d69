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
  /** A TCP (and TLS) connection to EC2 not made by then is abandoned. @default 3_000 */
  connectionTimeoutMs?: number;
  /** A request EC2 has not answered by then fails (a socket error, retried by p-retry). @default 30_000 */
  requestTimeoutMs?: number;
}

/**
 * Builds an EC2Client with `maxAttempts: 1`: retries belong to EbsCloud's p-retry layer
 * (docs/adr/0004-ebs-retry-layers.md), so a throttled request is never retried 3 × 7 times.
 * Without `endpoint`, credentials come from the SDK's default chain (instance role).
 * The SDK's own handler has no connection or request timeout by default: an endpoint that
 * accepts and never answers would hold a reconcile worker for good. Both are set here, the
 * request's as an error (`throwOnRequestTimeout`), below Ec2Caller's own attempt deadline.
 */
export function createEc2Client(options: Ec2ClientOptions): EC2Client & Ec2Api {
  if (typeof options.region !== "string" || options.region === "") {
    throw new TypeError("`region` must be an AWS region name, like us-east-1");
  }
  const client = new EC2Client({
    region: options.region,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint === undefined
      ? {}
      : { endpoint: options.endpoint, credentials: { accessKeyId: "swarmvol-lab", secretAccessKey: "swarmvol-lab" } }),
  });
  return client;
}
