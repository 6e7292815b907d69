import { describe, expect, it } from "vitest";
import { volumeListResponse } from "./bodies.js";

/** The wire keeps a multi-writer share's holders (core/volume.ts `holders`): a schema without them would strip them silently. */
describe("volume records on the wire", () => {
  const record = (status: Record<string, unknown>) => ({
    uid: "u1", createdAt: "2026-12-03T10:00:00.000Z",
    spec: { name: "artifacts", backend: "efs", sizeBytes: 0, fsType: "ext4", options: { backend: "efs", access: "multi-writer" } },
    status: { phase: "ready", fresh: false, epoch: 1, backendId: "fsap-1", ...status },
  });

  it("GET /v1/volumes carries every holder of a multi-writer share, and a single holder as before", () => {
    const holders = ["n1", "n2"].map((nodeId) => ({ nodeId, instanceId: `i-${nodeId}`, device: "efs://10.0.0.1/fs-1/fsap-1/a", epoch: 1, since: "t" }));
    const grantedTo = { nodeId: "n1", instanceId: "i-n1", device: "/dev/xvdba", epoch: 1, since: "t" };
    const body = { volumes: [record({ holders }), record({ grantedTo })] };
    expect(volumeListResponse.parse(body)).toEqual(body);
  });
});
