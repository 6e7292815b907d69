import { readdir } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import pRetry from "p-retry";
import { metricsRoute } from "../api/metrics.js";
import { ApiServer } from "../api/server.js";
import { loadAgentConfig, type AgentConfig } from "../core/clusterConfig.js";
import { toSwarmvolError, type SwarmvolError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { SnapshotFreezer } from "../plugin/cluster/freezer.js";
import { FilesystemGrowth } from "../plugin/cluster/filesystemGrowth.js";
import { FreezeClient } from "../api/client/snapshotClient.js";
import { ClusterAttacher } from "../plugin/cluster/clusterAttacher.js";
import { ControllerEndpoints, type EngineSwarmInfo } from "../api/client/controllerEndpoints.js";
import { LeaseKeeper } from "../plugin/cluster/leaseKeeper.js";
import { NodeCredential } from "../plugin/cluster/nodeCredential.js";
import { RemoteDirectory } from "../plugin/cluster/remoteDirectory.js";
import { VolumeDriver } from "../plugin/driver.js";
import { PromAgentMetrics } from "../plugin/metrics.js";
import { MountReview } from "../plugin/mountReview.js";
import { PluginServer } from "../plugin/server.js";
import { DockerLocalContainers } from "../storage/docker/localContainers.js";
import { EbsDeviceLocator, nodeDeviceFs } from "../storage/ebs/deviceLocator.js";
import { instanceIdentity } from "../storage/ebs/imds.js";
import { shareMounterFor } from "../storage/efs/mounters.js";
import { SystemBlockFilesystem } from "../storage/os/blockFilesystem.js";
import { ProcessRunner, SYSTEM_PATH } from "../storage/os/commandRunner.js";
import { FsFreeze } from "../storage/os/fsFreeze.js";
import { SystemFilesystemGrower } from "../storage/os/filesystemGrower.js";
import { realTimers } from "../core/clock.js";
import { MountTableStore } from "../storage/state/catalogStore.js";
import { RecordCacheStore } from "../storage/state/recordCache.js";
import { forgetStaleMounts, prepareSocket, activateWithEngine } from "./allInOne.js";
import { crashPointsFromEnv } from "./crashPoints.js";
import { dockerFor, engineInfo } from "./docker.js";
import { reportFailure } from "./exitCodes.js";
import { applyNice, createLogger, readTokenFileIfThere, stopSignal, stopWithin, systemClock } from "./runtime.js";

/** This node's Swarm NodeID from its engine, waiting for dockerd and for the join. */
function swarmNodeId(docker: Docker, logger: Logger): () => Promise<string> {
  let known: Promise<string> | undefined;
  const ask = async () => {
    const info = (await engineInfo(docker)) as { Swarm?: { NodeID?: string } };
    const id = info.Swarm?.NodeID;
    if (!id) throw new Error("this engine is not part of a swarm yet");
    return id;
  };
  return () => {
    known ??= pRetry(ask, { retries: Number.POSITIVE_INFINITY, minTimeout: 500, maxTimeout: 5000 }).then((id) => {
      logger.info({ nodeId: id }, "learned swarm node id");
      return id;
    });
    return known;
  };
}

/**
 * The client for the controller's replicas: the --controller list, or the managers this
 * node's engine knows (read every 30 s, and again when no replica served a call).
 */
function controllerApi(config: AgentConfig, docker: Docker, credential: NodeCredential, logger: Logger): { api: FreezeClient; endpoints: ControllerEndpoints } {
  const endpoints = new ControllerEndpoints({
    fixed: config.controllers, port: config.controllerPort, clock: systemClock, logger,
    engineInfo: async () => (await engineInfo(docker)) as EngineSwarmInfo,
  });
  const api = new FreezeClient({ endpoints: () => endpoints.list(), token: () => credential.current(), onAllFailed: () => endpoints.refreshSoon() });
  endpoints.start();
  return { api, endpoints };
}

/** This node's token (ADR 0011), from SWARMVOL_TOKEN or a file that may appear only once the node joined. */
function nodeCredential(config: AgentConfig, nodeId: () => Promise<string>, logger: Logger): NodeCredential {
  const given = config.credential;
  return new NodeCredential({
    nodeId, clock: systemClock, logger,
    source: "token" in given ? "SWARMVOL_TOKEN" : `SWARMVOL_TOKEN_FILE ${given.file}`,
    read: async () => ("token" in given ? given.token : readTokenFileIfThere(given.file)),
  });
}

/**
 * Resolves undefined on SIGTERM/SIGINT, or with the error when the node token names
 * another node (or is none): the agent then stops at once, logging the fix.
 */
async function untilStoppedOrRefused(stopped: Promise<string>, identity: Promise<string>, logger: Logger): Promise<SwarmvolError | undefined> {
  const refused = identity.then(() => new Promise<never>(() => undefined), (err: unknown) => toSwarmvolError(err));
  const failure = await Promise.race([stopped.then(() => undefined), refused]);
  if (failure !== undefined) logger.error({ err: failure.message }, "agent stops: its node token does not name this node");
  return failure;
}

/**
 * GET /metrics on `--metrics-listen`, when given: no token (like the controller's), nothing
 * else served there. Off by default: an agent on every node opens no TCP port unless asked.
 */
async function serveMetrics(config: AgentConfig, metrics: PromAgentMetrics, logger: Logger): Promise<ApiServer | undefined> {
  if (config.metricsListen === undefined) return undefined;
  const server = new ApiServer({ routes: [metricsRoute(metrics.exposition)], logger, credentials: undefined });
  await server.listen(config.metricsListen.host, config.metricsListen.port);
  return server;
}

/**
 * `swarmvol agent`: the composition root of the node agent (plugin socket, cluster
 * directory and attacher through the controller, EBS device locator, lease keeper).
 */
export async function agentCommand(argv: string[]): Promise<number> {
  const stopped = stopSignal();
  const config = loadAgentConfig(process.env, argv);
  const logger = createLogger(config.logLevel, "swarmvol-agent");
  const crashPoints = crashPointsFromEnv(process.env, "agent", logger);
  applyNice(config.nice, logger);
  const metrics = new PromAgentMetrics();
  const instance = config.instanceId !== undefined && config.zone !== undefined
    ? { instanceId: config.instanceId, zone: config.zone }
    : await instanceIdentity(config.imdsEndpoint);
  const runner = new ProcessRunner({ path: SYSTEM_PATH });
  const docker = dockerFor(config.dockerHost);
  const nodeId = swarmNodeId(docker, logger);
  const credential = nodeCredential(config, nodeId, logger);
  const { api, endpoints } = controllerApi(config, docker, credential, logger);
  const mounts = await MountTableStore.open(join(config.stateDir, "node-mounts.json"));
  const filesystem = new SystemBlockFilesystem(runner);
  await forgetStaleMounts(mounts, filesystem, logger);
  // The attacher and directory ask the keeper (built after the driver it fences) whether the lease is live.
  const lease = { live: () => false };
  const directory = new RemoteDirectory({
    api, cache: await RecordCacheStore.open(join(config.stateDir, "records.json")), logger, controllerAway: () => !lease.live(),
  });
  const locator = new EbsDeviceLocator(nodeDeviceFs, runner, systemClock, { byIdDir: config.deviceDir });
  const containers = new DockerLocalContainers(docker);
  const review = new MountReview({ holders: containers, clock: systemClock, logger });
  const attacher = new ClusterAttacher({ api, locator, clock: systemClock, logger, nodeId, leaseLive: () => lease.live(), pollMs: 100, crashPoints });
  const mountsDir = join(config.stateDir, "mounts");
  // Resizes (ADR 0026): the driver grows at a Mount the grant asks for, the lease keeper carries the rest.
  const growth: FilesystemGrowth = new FilesystemGrowth({
    mounts, filesystem, grower: new SystemFilesystemGrower(runner), logger: logger.child({ component: "resize" }),
    // Called only once the agent serves, when the driver exists.
    exclusive: <T>(volume: string, fn: () => Promise<T>): Promise<T> => driver.exclusive(volume, fn),
  });
  const driver: VolumeDriver = new VolumeDriver({
    directory, attacher, mounts, filesystem, logger, mountsDir, crashPoints, staleMounts: review, clock: systemClock, growth,
    // A grant of a file share (efs://…) is mounted by this, not as a block device (plugin/mountSteps.ts).
    shares: shareMounterFor(config.shareMounter, runner),
    // Docker's create-time mount and unmount come seconds before the start-time mount.
    linger: { clock: systemClock, ms: 10_000, youngMs: 5_000 },
  });
  // A Mount cut short by a crash after mount(8): nobody uses it, and it would keep the device busy.
  await driver.unmountOrphans(await readdir(mountsDir).catch(() => []));
  // A linger cut short by a crash: nobody uses that mount any more.
  await driver.endLingers();
  // A snapshot freeze cut short by a crash: thaw before anything writes (ADR 0020).
  const freezer = new SnapshotFreezer({
    api, nodeId, mounts, freezer: new FsFreeze(runner), timers: realTimers, logger: logger.child({ component: "freeze" }),
    exclusive: <T>(volume: string, fn: () => Promise<T>): Promise<T> => driver.exclusive(volume, fn),
  });
  await freezer.thawAll();
  // Mount IDs Docker never got the answer for (a kill -9 between recording and answering).
  review.start(driver);
  const keeper = new LeaseKeeper({
    api, nodeId, mounts, fencer: driver, clock: systemClock, logger, metrics, onFreeze: (requests) => freezer.handle(requests), growth,
    identity: { hostname: config.hostname ?? osHostname(), ...instance },
    containers,
  });
  lease.live = () => keeper.isLive();
  const plugin = new PluginServer({ driver, logger, metrics });
  await prepareSocket(config.pluginSocket);
  await plugin.listen(config.pluginSocket);
  const metricsServer = await serveMetrics(config, metrics, logger);
  let stopping = false;
  const identity = credential.ready();
  const keeperStarted = startWhenReady(keeper, [endpoints.known(), identity], () => stopping);
  logger.info({ socket: config.pluginSocket, controllers: config.controllers, discovery: endpoints.discovering, metrics: config.metricsListen ?? "off", ...instance }, "agent started");
  void activateWithEngine(docker, logger);
  const refused = await untilStoppedOrRefused(stopped, identity, logger);
  stopping = true;
  credential.stop();
  review.stop();
  await stopAgent({ plugin, driver, endpoints, keeper, keeperStarted, metricsServer }, logger);
  return refused === undefined ? 0 : reportFailure(refused);
}

/**
 * Starts the lease keeper once a controller address and this node's checked token are
 * known: a first heartbeat failing before would fence the mounts found in place.
 */
function startWhenReady(keeper: LeaseKeeper, ready: Array<Promise<unknown>>, stopping: () => boolean): Promise<void> {
  return Promise.all(ready).then(() => {
    if (!stopping()) keeper.start();
  }, () => undefined);
}

/** Bounded: a Docker call stuck on a dead device must not keep the agent up past its supervisor's patience. */
async function stopAgent(parts: { plugin: PluginServer; driver: VolumeDriver; endpoints: ControllerEndpoints; keeper: LeaseKeeper; keeperStarted: Promise<void>; metricsServer: { close(): Promise<void> } | undefined }, logger: Logger): Promise<void> {
  await stopWithin(30_000, logger, async () => {
    await parts.plugin.drain();
    await parts.driver.endLingers();
    await parts.endpoints.stop();
    await Promise.race([parts.keeperStarted, new Promise((resolve) => setTimeout(resolve, 100))]);
    await parts.keeper.stop();
    await parts.metricsServer?.close();
  });
}
