import { join } from "node:path";
import Docker from "dockerode";
import cron from "node-cron";
import { controllerRoutes, readRoutes } from "../api/routes.js";
import { ApiServer } from "../api/server.js";
import { Controller } from "../controller/controller.js";
import { SwarmInformer } from "../controller/informer/swarmInformer.js";
import { DockerSwarm } from "../controller/swarm/dockerSwarm.js";
import { loadControllerConfig } from "../core/clusterConfig.js";
import { Metrics } from "../core/metrics.js";
import { createEc2Client } from "../storage/ebs/client.js";
import { EbsCloud } from "../storage/ebs/ebsCloud.js";
import { buildEbsSpec } from "../storage/ebs/options.js";
import { CatalogStore } from "../storage/state/catalogStore.js";
import { JournalStore } from "../storage/state/journalStore.js";
import { createLogger, systemClock } from "./runtime.js";
import { dockerFor } from "./docker.js";

/**
 * `swarmvol controller`: the composition root of the per-swarm controller (informer over
 * the manager's engine, EBS through EC2, lowdb catalog and journal, the API).
 */
export async function controllerCommand(argv: string[]): Promise<number> {
  const config = loadControllerConfig(process.env, argv);
  const logger = createLogger(config.logLevel, "swarmvol-controller");
  const metrics = new Metrics();
  const catalog = await CatalogStore.open(join(config.stateDir, "catalog.json"));
  const journal = await JournalStore.open(join(config.stateDir, "journal.json"));
  const ec2 = createEc2Client({ region: config.region, ...(config.ec2Endpoint ? { endpoint: config.ec2Endpoint } : {}) });
  const cloud = new EbsCloud(ec2, systemClock, logger.child({ component: "ebs" }), { stuckAttachMs: config.stuckAttachMs });
  const docker: Docker = dockerFor(config.dockerHost);
  const swarm = new DockerSwarm({ docker, driverNames: [config.driverName], logger });
  // Tasks have no events: a 500 ms relist bounds how late a new placement is seen.
  const informer = new SwarmInformer({ swarm, clock: systemClock, logger: logger.child({ component: "informer" }), scheduler: cron, pollIntervalMs: 500 });
  const controller = new Controller({
    informer, catalog, cloud, journal, clock: systemClock, logger, metrics,
    policy: { fenceGraceMs: config.fenceGraceMs, pollMs: 1000, idleDetachMs: config.idleDetachMs },
    leaseTtlMs: config.leaseTtlMs, claimTtlMs: 5000, buildSpec: buildEbsSpec, workers: config.workers,
  });
  const service = controller.service;
  const api = new ApiServer({
    logger, token: config.token,
    routes: [
      ...readRoutes({ catalog, metrics, health: () => ({ mode: "controller", volumes: catalog.list().length }) }),
      ...controllerRoutes({
        create: (name, options) => service.create(name, options),
        remove: (name) => service.remove(name),
        markFormatted: (name) => service.markFormatted(name),
        claim: (name, nodeId, waitMs) => service.claimAndWait(name, nodeId, waitMs),
        release: (name, nodeId) => service.release(name, nodeId),
        wanted: (name, nodeId) => service.wanted(name, nodeId),
        heartbeat: (nodeId, request) => service.heartbeat(nodeId, request),
        fence: (nodeId) => controller.fence(nodeId),
        nodes: () => controller.registry.views(informer.nodes()),
      }),
    ],
  });
  await api.listen(config.listen.host, config.listen.port);
  await controller.start();
  logger.info({ listen: config.listen, ec2: config.ec2Endpoint ?? "aws", dockerHost: config.dockerHost }, "controller serving");
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await api.close();
  await controller.stop();
  await catalog.close();
  return 0;
}
