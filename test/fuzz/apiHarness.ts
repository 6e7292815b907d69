/**
 * The controller's real HTTP API (api/server.ts, api/routes.ts, controller/VolumeService)
 * on a loopback port, over the recording fakes, with the EBS option validation users hit.
 * Clocks are fakes: a held claim (`waitMs`) returns at once instead of waiting 2 s.
 */
import { controllerRoutes, readRoutes } from "../../api/routes.js";
import { Credentials } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { ClaimBook } from "../../controller/claims.js";
import { GrantWaiters } from "../../controller/grantWaiters.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { VolumeService } from "../../controller/volumeService.js";
import { silentLogger } from "../../core/ports.js";
import { buildEbsSpec } from "../../storage/ebs/options.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { exchange, type RawAnswer, type RawRequest } from "./rawHttp.js";

export const apiToken = "fuzz-token";

export interface ApiHarness {
  catalog: MemoryCatalog;
  port: number;
  send(request: RawRequest): Promise<RawAnswer | undefined>;
  /** A JSON call with the token. */
  call(method: string, path: string, body?: unknown): Promise<RawAnswer | undefined>;
  close(): Promise<void>;
}

export async function startApiHarness(): Promise<ApiHarness> {
  const clock = new FakeClock();
  const catalog = new MemoryCatalog();
  const registry = new NodeRegistry(clock, 10_000);
  const claims = new ClaimBook(clock, 5_000);
  const metrics = new PromControllerMetrics({ defaultMetrics: false });
  let uid = 0;
  const service = new VolumeService({
    catalog, cloud: new FakeCloud(), journal: new MemoryJournal(), registry, claims, clock, logger: silentLogger, metrics,
    buildSpec: buildEbsSpec, wantsOf: (name) => claims.wants(name, () => false), enqueue: () => undefined,
    newUid: () => `u${++uid}`, grants: new GrantWaiters(new FakeClock()),
  });
  const routes = [
    ...readRoutes({ catalog, metrics: metrics.exposition, health: () => ({ mode: "controller" }) }),
    ...controllerRoutes({
      volumes: () => service,
      nodes: () => ({ fence: (id) => registry.fence(id), unfence: (id) => registry.unfence(id), nodeViews: () => [] }),
    }),
  ];
  const server = new ApiServer({ routes, logger: silentLogger, credentials: new Credentials(apiToken) });
  const port = await server.listen("127.0.0.1", 0);
  const send = (request: RawRequest) => exchange({ port }, request);
  return {
    catalog, port, send,
    call: (method, path, body) => {
      const bytes = Buffer.from(body === undefined ? "" : JSON.stringify(body));
      return send({ method, target: path, headers: { Authorization: `Bearer ${apiToken}`, "Content-Length": String(bytes.length) }, body: bytes, delivery: "whole" });
    },
    close: () => server.close(),
  };
}
