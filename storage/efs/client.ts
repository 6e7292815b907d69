/**
 * The EFS client factory for cli/, the composition root. Nothing else in swarmvol
 * constructs an SDK client.
 */
import { EFSClient } from "@aws-sdk/client-efs";
import type { EfsApi } from "./efsApi.js";

export interface EfsClientOptions {
  region: string;
  /** An EFS-compatible endpoint (the lab emulator, the same port as its EC2). Dummy credentials then: the emulator checks no signature. */
  endpoint?: string;
  /** @default 3_000 */
  connectionTimeoutMs?: number;
  /** @default 30_000 */
  requestTimeoutMs?: number;
}

/**
 * An EFSClient with `maxAttempts: 1` (retries belong to EfsCaller's p-retry layer, as for
 * EC2: docs/adr/0004-ebs-retry-layers.md) and connection and request timeouts, which the
 * SDK's handler does not have by default. Without `endpoint`, credentials come from the
 * default chain (the instance role). cli/ passes the controller's `--efs-endpoint`
 * (AWS_ENDPOINT_URL_EFS, which the SDK would also read by itself) as `endpoint`, as it
 * passes EC2's, so the lab's emulator gets the same dummy credentials.
 */
export function createEfsClient(options: EfsClientOptions): EFSClient & EfsApi {
  if (typeof options.region !== "string" || options.region === "") {
    throw new TypeError("`region` must be an AWS region name, like us-east-1");
  }
  return new EFSClient({
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
}
