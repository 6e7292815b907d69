import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { mkdir, readdir, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type Docker from "dockerode";
import pRetry from "p-retry";
import { ApiServer } from "../api/server.js";
import { withOpenApi } from "../api/openapi.js";
import { catalogOnlyResize, resizeRoutes } from "../api/resizeRoutes.js";
import { readRoutes } from "../api/routes.js";
import { parseListen, type DaemonConfig } from "../core/config.js";
import { unavailable } from "../core/errors.js";
import { realTimers, withDeadline } from "../core/clock.js";
import { noCrashPoints, type BlockFilesystem, type CrashPoints, type Logger, type MountTable, type Timers } from "../core/ports.js";
import { VolumeDriver } from "../plugin/driver.js";
import { LocalDirectory } from "../plugin/localDirectory.js";
import { PromAgentMetrics } from "../plugin/metrics.js";
import { MountReview } from "../plugin/mountReview.js";
import { PluginServer } from "../plugin/server.js";
import { DockerLocalContainers } from "../storage/docker/localContainers.js";
import { LocalBackend } from "../storage/local/localBackend.js";
import { SystemBlockFilesystem } from "../storage/os/blockFilesystem.js";
import { ProcessRunner, SYSTEM_PATH } from "../storage/os/commandRunner.js";
import { CatalogStore, MountTableStore } from "../storage/state/catalogStore.js";
import { allInOneBackends } from "./backends.js";
import { crashPointsFromEnv } from "./crashPoints.js";
import { dockerFor } from "./docker.js";
import { createLogger, systemClock } from "./runtime.js";

export interface RunningDaemon {
  stop(): Promise<void>;
}

/**
 * The composition root of `swarmvol all-in-one`: plugin + API on the local backend,
 * everything built here and nowhere else.
 */
/** The node-side driver on the local backend with its state under `stateDir`. */
export async function createLocalDriver(
  stateDir: string, logger: Logger, extras: { crashPoints?: CrashPoints; staleMounts?: { suspect(name: string): void } } = {},
): Promise<{ driver: VolumeDriver; catalog: CatalogStore }> {
  const runner = new ProcessRunner({ path: SYSTEM_PATH });
  const catalog = await CatalogStore.open(join(stateDir, "catalog.json"));
  const mounts = await MountTableStore.open(join(stateDir, "node-mounts.json"));
  const filesystem = new SystemBlockFilesystem(runner);
  await forgetStaleMounts(mounts, filesystem, logger);
  const backend = new LocalBackend(join(stateDir, "images"), runner);
  const directory = new LocalDirectory({ catalog, backend, specs: allInOneBackends(), clock: systemClock, logger, newUid: randomUUID });
  const mountsDir = join(stateDir, "mounts");
  const driver = new VolumeDriver({
    directory, attacher: directory, mounts, filesystem, logger, mountsDir,
    crashPoints: extras.crashPoints ?? noCrashPoints, ...(extras.staleMounts ? { staleMounts: extras.staleMounts } : {}),
  });
  // First what a Mount cut short after mount(8) left mounted, then the loops nothing mounts any more.
  await driver.unmountOrphans(await readdir(mountsDir).catch(() => []));
  const released = await backend.releaseOrphanLoops(await filesystem.mountedDevices());
  if (released.length > 0) logger.info({ devices: released }, "released loop devices nothing mounts (left by a crash)");
  return { driver, catalog };
}

/**
 * The composition root of `swarmvol all-in-one`: plugin + API on the local backend,
 * everything built here and nowhere else.
 */
export async function startAllInOne(config: DaemonConfig): Promise<RunningDaemon> {
  const logger = createLogger(config.logLevel, "swarmvol");
  // A non-unix DOCKER_HOST is not an engine swarmvol can activate with; the default socket is.
  const docker = dockerFor(config.dockerHost?.startsWith("unix://") ? config.dockerHost : "unix:///var/run/docker.sock");
  const review = new MountReview({ holders: new DockerLocalContainers(docker), clock: systemClock, logger });
  const { driver, catalog } = await createLocalDriver(config.stateDir, logger, { crashPoints: crashPointsFromEnv(process.env, "all-in-one", logger), staleMounts: review });
  review.start(driver);
  // One host, one process: the plugin's metrics are served at the API's GET /metrics.
  const metrics = new PromAgentMetrics();
  const plugin = new PluginServer({ driver, logger, metrics });
  await prepareSocket(config.pluginSocket);
  await plugin.listen(config.pluginSocket);
  const routes = withOpenApi([
    ...readRoutes({ catalog, metrics: metrics.exposition, health: () => ({ mode: "all-in-one", backend: config.backend }) }),
    // The local backend does not grow volumes: a resize is refused naming why.
    ...resizeRoutes(() => catalogOnlyResize(catalog)),
  ]);
  const api = new ApiServer({ routes, logger, credentials: undefined });
  const { host, port } = parseListen(config.apiListen);
  await api.listen(host, port);
  logger.info({ socket: config.pluginSocket, api: config.apiListen, stateDir: config.stateDir }, "swarmvol started");
  void activateWithEngine(docker, logger);
  return {
    async stop() {
      review.stop();
      await plugin.drain();
      await api.close();
      await catalog.close();
      await unlink(config.pluginSocket).catch(() => undefined);
      logger.info({}, "swarmvol stopped");
    },
  };
}

/**
 * After a reboot or a crash, entries whose filesystem is no longer mounted describe users
 * that are gone: dockerd mounts them again when their containers start.
 */
export async function forgetStaleMounts(mounts: MountTable, filesystem: BlockFilesystem, logger: Logger): Promise<void> {
  for (const [name, entry] of mounts.list()) {
    if (!(await filesystem.isMounted(entry.mountRoot))) {
      await mounts.delete(name);
      logger.info({ volume: name }, "forgot stale mount entry");
    }
  }
}

/** Refuses to start over a live socket; removes one left by a crash. */
export async function prepareSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const live = await new Promise<boolean>((resolve) => {
    const socket = connect(path, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
  if (live) throw unavailable(`another process already serves ${path}; stop it or choose another --plugin-socket`, { path });
  await unlink(path).catch(() => undefined);
}

/** One `GET /volumes` may wait for every plugin's List, ours included: bounded, then tried again. */
const activationCallMs = 30_000;

/**
 * A legacy plugin is advertised to the Swarm scheduler only once dockerd has activated it,
 * so ask the engine to list volumes once. dockerd may start after us: retry for a while.
 * Each try is aborted after {@link activationCallMs}, so a hung dockerd ends the tries too.
 */
export async function activateWithEngine(docker: Pick<Docker, "listVolumes">, logger: Logger, timers: Timers = realTimers): Promise<void> {
  const once = () => withDeadline(timers, activationCallMs, () => unavailable(`the local Docker engine did not list volumes within ${activationCallMs} ms`), (abortSignal) => docker.listVolumes({ abortSignal }));
  try {
    await pRetry(once, { retries: 8, minTimeout: 500, maxTimeout: 10_000 });
    logger.info({}, "activated with the local engine");
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "could not activate with the local engine");
  }
}
