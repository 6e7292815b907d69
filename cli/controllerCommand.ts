import { hostname } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import cron from "node-cron";
import pRetry from "p-retry";
import { eventRoutes } from "../api/eventRoutes.js";
import { EventStreams } from "../api/eventStream.js";
import { Credentials } from "../api/credentials.js";
import { withOpenApi } from "../api/openapi.js";
import { moveRoutes } from "../api/moveRoutes.js";
import { controllerRoutes, readRoutes } from "../api/routes.js";
import { resizeRoutes } from "../api/resizeRoutes.js";
import { snapshotRoutes } from "../api/snapshotRoutes.js";
import { ApiServer } from "../api/server.js";
import { Controller, type ControllerOptions } from "../controller/controller.js";
import { routeBackends } from "../controller/backendRouter.js";
import { instrumentCloud, instrumentSnapshots } from "../controller/instrumentedCloud.js";
import { MemoryEventLog } from "../controller/events/eventLog.js";
import { SwarmInformer } from "../controller/informer/swarmInformer.js";
import { PromControllerMetrics } from "../controller/metrics.js";
import { NodeRegistry } from "../controller/nodeRegistry.js";
import { ControllerReplica } from "../controller/replica.js";
import { ReplicatedCatalog } from "../controller/replicatedCatalog.js";
import { DockerServices } from "../controller/swarm/dockerServices.js";
import { DockerSwarm } from "../controller/swarm/dockerSwarm.js";
import { DockerNodeAvailability } from "../controller/swarm/nodeAvailability.js";
import { DockerSwarmStore } from "../controller/swarm/swarmStore.js";
import type { BackendRegistry } from "../core/backends.js";
import { monotonicClock, realTimers } from "../core/clock.js";
import { loadControllerConfig, type ControllerConfig } from "../core/clusterConfig.js";
import { leaderPollMs } from "../core/leaseTiming.js";
import type { BackendVolumes, CloudResize, CloudSnapshots, CloudVolumes, InstancePower } from "../core/cloud.js";
import { invalidArgument } from "../core/errors.js";
import type { CrashPoints, Logger } from "../core/ports.js";
import { createEc2Client } from "../storage/ebs/client.js";
import { withCrashPoints } from "../storage/ebs/crashPointClient.js";
import { EbsCloud } from "../storage/ebs/ebsCloud.js";
import { ebsDefinition } from "../storage/ebs/options.js";
import { efsDefinition } from "../storage/efs/options.js";
import { nfsDefinition } from "../storage/nfs/options.js";
import { CatalogStore } from "../storage/state/catalogStore.js";
import { JournalStore } from "../storage/state/journalStore.js";
import { controllerBackends, controllerEfs, servedVerbs } from "./backends.js";
import { nfsBackendVolumes } from "./nfsBackend.js";
import { createLogger, stopSignal, stopWithin, systemClock, withTokenFile, applyNice } from "./runtime.js";
import { crashPointsFromEnv } from "./crashPoints.js";
import { dockerFor, engineInfo } from "./docker.js";

/** This manager's Swarm node id and address, from its engine (waits for dockerd and the join). */
async function selfNode(docker: Docker, logger: Logger): Promise<{ id: string; address: string }> {
  const self = await pRetry(async () => {
    const info = (await engineInfo(docker)) as { Swarm?: { NodeID?: string; NodeAddr?: string; ControlAvailable?: boolean } };
    if (!info.Swarm?.NodeID || !info.Swarm.ControlAvailable) throw new Error("this engine is not a swarm manager yet");
    return { id: info.Swarm.NodeID, address: info.Swarm.NodeAddr ?? "" };
  }, { retries: Number.POSITIVE_INFINITY, minTimeout: 500, maxTimeout: 5000 });
  logger.info({ nodeId: self.id, address: self.address }, "learned this manager's swarm node id");
  return self;
}

/** --advertise-url, or this manager's Swarm address with the API port (a wildcard listen). */
function advertiseUrl(config: ControllerConfig, self: { address: string }): string {
  if (config.advertiseUrl !== undefined) return config.advertiseUrl;
  if (self.address === "") throw invalidArgument("listening on a wildcard and the engine names no Swarm address: give --advertise-url (SWARMVOL_ADVERTISE_URL), like http://10.0.0.5:7750");
  const host = self.address.includes(":") ? `[${self.address}]` : self.address;
  return `http://${host}:${config.listen.port}`;
}

interface ReplicaParts {
  replica: ControllerReplica;
  catalog: ReplicatedCatalog;
  metrics: PromControllerMetrics;
  events: MemoryEventLog;
  logger: Logger;
}

/** The API of one replica: agents' routes go to the leader's current term; standbys answer 503 (ApiServer). */
function replicaApi(config: ControllerConfig, { replica, catalog, metrics, events, logger }: ReplicaParts): ApiServer {
  const term = () => replica.current();
  return new ApiServer({
    logger, credentials: new Credentials(config.token), leadership: replica.elector,
    routes: withOpenApi([
      ...readRoutes({
        catalog, metrics: metrics.exposition,
        health: () => ({
          mode: "controller", role: replica.elector.isLeader() ? "leader" : "standby",
          leader: replica.elector.leaderUrl() ?? null, replica: replica.elector.self, volumes: catalog.list().length,
        }),
      }),
      // The current term's service and controller serve the routes as they are (api/routes.ts).
      ...controllerRoutes({ volumes: () => term().service, nodes: () => term(), heartbeat: (nodeId, request) => replica.heartbeat(nodeId, request) }),
      ...moveRoutes(() => term().moves),
      ...eventRoutes(events, new EventStreams({ log: events, timers: realTimers, logger: logger.child({ component: "events" }) })),
      ...snapshotRoutes(() => term().snapshotOperations()),
      ...resizeRoutes(() => term().resizes),
    ]),
  });
}

/**
 * EBS through EC2 and, when `--backends` names it, EFS, behind the backend router (ADR
 * 0027: each call goes to the backend that owns the volume), every call of the Cloud port
 * and every EC2 and EFS request counted. EC2 is always there (instances, power fencing);
 * snapshots and resize are EBS's: a share is refused them by its kind.
 */
function measuredBackends(config: ControllerConfig, backends: BackendRegistry, metrics: PromControllerMetrics, logger: Logger, crashPoints: CrashPoints, nfs: BackendVolumes | undefined): { cloud: CloudVolumes; power: InstancePower; snapshots: CloudSnapshots; resize: CloudResize } {
  const ec2 = withCrashPoints(createEc2Client({ region: config.region, ...(config.ec2Endpoint ? { endpoint: config.ec2Endpoint } : {}) }), crashPoints);
  const ebs = new EbsCloud(ec2, systemClock, logger.child({ component: "ebs" }), { stuckAttachMs: config.stuckAttachMs });
  // Only the served backends are in the router: its describe of all asks each of them.
  const efs = backends.names().includes(efsDefinition.name) ? controllerEfs(config, ebs, systemClock, logger.child({ component: "efs" })) : undefined;
  metrics.backendRequests(() => sumByAction(ebs.calls.byAction(), efs?.requests() ?? {}));
  const cloud = routeBackends({ registry: backends, backends: servedVerbs(backends, { [ebsDefinition.name]: ebs, [efsDefinition.name]: efs?.volumes, [nfsDefinition.name]: nfs }), instances: ebs });
  return { cloud: instrumentCloud(cloud, metrics, monotonicClock), power: ebs, snapshots: instrumentSnapshots(ebs.snapshots, metrics, monotonicClock), resize: ebs.resize };
}

/** EC2's and EFS's request counts in one table (their action names differ). */
function sumByAction(...counts: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const count of counts) for (const [action, n] of Object.entries(count)) sum[action] = (sum[action] ?? 0) + n;
  return sum;
}

/**
 * `swarmvol controller`: the composition root of one controller replica (run one on every
 * manager): informer over the manager's engine, the leader election and the volume store
 * in Swarm's Raft store, EBS through EC2 and EFS (cli/backends.ts), lowdb journal and cache, the API (ADR 0010).
 */
export async function controllerCommand(argv: string[]): Promise<number> {
  // Listen from the start: a SIGTERM while waiting for dockerd or the first sync still stops.
  const stopped = stopSignal();
  const config = loadControllerConfig(await withTokenFile(process.env), argv);
  // Before any state is opened: a --default-backend this build does not serve stops the start.
  const backends = controllerBackends(config.defaultBackend, config.backends);
  const logger = createLogger(config.logLevel, "swarmvol-controller");
  const crashPoints = crashPointsFromEnv(process.env, "controller", logger);
  applyNice(config.nice, logger);
  const metrics = new PromControllerMetrics();
  const journal = await JournalStore.open(join(config.stateDir, "journal.json"));
  const { cloud, power, snapshots, resize } = measuredBackends(config, backends, metrics, logger, crashPoints, await nfsBackendVolumes(config.nfs, config.region, logger));
  const docker: Docker = dockerFor(config.dockerHost);
  const store = new DockerSwarmStore({ docker, logger: logger.child({ component: "swarm-store" }) });
  const swarm = new DockerSwarm({ docker, driverNames: [config.driverName], logger });
  const services = new DockerServices(docker, { logger: logger.child({ component: "swarm-services" }) });
  // Tasks have no events: a 500 ms relist bounds how late a new placement is seen.
  const informer = new SwarmInformer({ swarm, clock: systemClock, logger: logger.child({ component: "informer" }), scheduler: cron, pollIntervalMs: 500 });
  const gate = { assert: () => undefined as void };
  const catalog = new ReplicatedCatalog(await CatalogStore.open(join(config.stateDir, "catalog.json")), store, () => gate.assert());
  const self = await Promise.race([selfNode(docker, logger), stopped.then(() => undefined)]);
  if (self === undefined) return 0;
  const selfUrl = advertiseUrl(config, self);
  // In memory, per replica: each term's ids carry the lease's transitions (core/events.ts).
  const events = new MemoryEventLog({ now: Date.now });
  const replicaId = `${hostname()}-${process.pid}`;
  // Fenced nodes drained in Swarm, each marked with the replica and term that did it (ADR 0022).
  const availability = new DockerNodeAvailability({ docker, logger: logger.child({ component: "node-availability" }) });
  const drain = (): Pick<ControllerOptions, "drain"> => (config.drainFenced ? { drain: { availability, marker: `${replicaId}/term-${replica.elector.leaseTerm() ?? 0}` } } : {});
  const replica = new ControllerReplica({
    informer, catalog, store, cloud, selfUrl, clock: monotonicClock, logger, metrics, events,
    self: replicaId,
    timing: { leaseDurationMs: config.leaderLeaseMs, renewPeriodMs: config.leaderRenewMs, pollMs: leaderPollMs(config.leaderRenewMs), safetyMarginMs: config.leaderLeaseMs / 4 },
    // Losing Swarm's Raft leader stalls Raft for seconds: better not to lose both at once,
    // when another manager is there to lead instead.
    reluctant: () => informer.node(self.id)?.raftLeader === true
      && informer.nodes().some((node) => node.id !== self.id && node.role === "manager" && node.state === "ready"),
    newRegistry: () => new NodeRegistry(systemClock, config.leaseTtlMs),
    newTerm: (termGate, registry) => new Controller({
      informer, catalog, cloud, journal, clock: systemClock, logger, metrics, services,
      policy: {
        fenceGraceMs: config.fenceGraceMs, pollMs: 1000, idleDetachMs: config.idleDetachMs, fenceMode: config.fenceMode,
        // One setting says how long an EBS transition may hang, whichever leader started it (ADR 0013).
        stuckTransitionMs: config.stuckAttachMs,
      },
      leaseTtlMs: config.leaseTtlMs, claimTtlMs: 5000, buildSpec: (name, options) => backends.buildSpec(name, options), backendKind: (backend) => backends.kindOf(backend), workers: config.workers,
      ownsInformer: false, gate: termGate, nodeLabels: store, moveHolds: store, events,
      power, powerFence: { timeoutMs: config.powerFenceTimeoutMs }, snapshots, resize, cron, ...(registry ? { registry } : {}), crashPoints, ...drain(),
    }),
  });
  gate.assert = () => replica.elector.assertCanAct();
  const api = replicaApi(config, { replica, catalog, metrics, events, logger });
  await api.listen(config.listen.host, config.listen.port);
  const started = replica.start().then(() => {
    logger.info({ listen: config.listen, advertise: selfUrl, ec2: config.ec2Endpoint ?? "aws", efs: config.efs.endpoint ?? "aws", efsPool: config.efs.pool.owner.pool, dockerHost: config.dockerHost, fenceMode: config.fenceMode, backends: backends.names(), defaultBackend: backends.defaultBackend }, "controller serving");
  });
  const signal = await stopped;
  void started.catch(() => undefined);
  logger.info({ signal }, "stopping: releasing the leader lease first");
  // Release first (a standby takes over at once), then let in-flight answers finish.
  await stopWithin(10_000, logger, async () => {
    await replica.stop();
    await api.close();
    await catalog.close();
  });
  return 0;
}
