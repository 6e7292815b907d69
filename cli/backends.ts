/**
 * The backends each daemon serves (ADR 0027): the registry its volumes' specs are built
 * through, so `-o backend=`, `-o access=` and the default backend are checked against what
 * is really wired there, and the controller verbs of each. `swarmvol controller`: EBS and
 * EFS, the ones `--backends` names (default ebs: a controller serving efs describes the
 * pool at every term's start and resync, which needs EFS reachable and allowed). An EFS
 * volume is an access point on the pool file system (ADR 0025); its snapshot, clone and
 * resize are refused by its kind (controller/snapshots, controller/resize). An NFS volume
 * is a directory of the operator's export (`--nfs-export`, ADR 0031). Adding one is a line in `controllerBackendDefinitions` and its
 * verbs in the controller's router (cli/controllerCommand.ts), not a branch in the
 * controller. `swarmvol all-in-one`: local.
 */
import { BackendRegistry, type BackendDefinition } from "../core/backends.js";
import { invalidArgument } from "../core/errors.js";
import type { EfsSettings } from "../core/backendSettings.js";
import type { BackendVolumes, CloudVolumes } from "../core/cloud.js";
import { nodeSubnetOf } from "../core/fileShares.js";
import type { Clock, Logger } from "../core/ports.js";
import { ebsDefinition } from "../storage/ebs/options.js";
import { createEfsClient } from "../storage/efs/client.js";
import { EfsCloud } from "../storage/efs/efsCloud.js";
import { EfsVolumes } from "../storage/efs/efsVolumes.js";
import { efsDefinition } from "../storage/efs/options.js";
import { localDefinition } from "../storage/local/localBackend.js";
import { nfsDefinition } from "../storage/nfs/options.js";

/** What this build wires into the controller, by name. */
export const controllerBackendDefinitions: readonly BackendDefinition[] = [ebsDefinition, efsDefinition, nfsDefinition];

/**
 * @param defaultBackend `--default-backend` as core/backendSettings.ts checked it (a controller's backend).
 * @param served `--backends` (default: every backend this build wires).
 * @throws INVALID_ARGUMENT naming what this build serves when `served` names another
 *   backend, or the default is not one of the served.
 */
export function controllerBackends(defaultBackend: string, served: readonly string[] = controllerBackendDefinitions.map(({ name }) => name)): BackendRegistry {
  const built = controllerBackendDefinitions.map(({ name }) => name);
  const missing = served.find((name) => !built.includes(name));
  if (missing !== undefined) {
    throw invalidArgument(`this build of swarmvol controller does not serve the ${missing} backend yet (it has ${built.slice(0, -1).join(", ")} and ${built.at(-1)}): leave it out of --backends`, { value: missing, served: built });
  }
  return new BackendRegistry(controllerBackendDefinitions.filter(({ name }) => served.includes(name)), defaultBackend);
}

/** All-in-one's: the local backend on this host, its `--backend` (core/config.ts) the default. */
export function allInOneBackends(): BackendRegistry {
  return new BackendRegistry([localDefinition], localDefinition.name, { server: "this all-in-one host", defaultFlag: "--backend" });
}

/**
 * The router's verbs: those of the served backends only, since its describe of all asks
 * every backend it has (a controller not serving efs never calls EFS).
 */
export function servedVerbs(registry: Pick<BackendRegistry, "names">, verbs: Readonly<Record<string, BackendVolumes | undefined>>): Map<string, BackendVolumes> {
  const served = registry.names();
  return new Map(Object.entries(verbs).filter((entry): entry is [string, BackendVolumes] => entry[1] !== undefined && served.includes(entry[0])));
}

export interface ControllerEfs {
  /** The controller verbs, for the router under `efs`. */
  volumes: EfsVolumes;
  /** Every EFS request sent, by action, for `swarmvol_backend_requests_total`. */
  requests(): Readonly<Record<string, number>>;
}

/**
 * EFS for `swarmvol controller`: an EFS client of the controller's region (`--efs-endpoint`
 * / AWS_ENDPOINT_URL_EFS: the lab's emulator, with its dummy credentials, as EC2's), the
 * pool of the settings, and each node's subnet (where its zone's mount target goes) from
 * EC2's DescribeInstances: `instances` is EC2, which knows the instances, not EFS.
 */
export function controllerEfs(settings: { region: string; efs: EfsSettings }, instances: Pick<CloudVolumes, "describeInstances">, clock: Clock, logger: Logger): ControllerEfs {
  const { efs, region } = settings;
  const client = createEfsClient({ region, ...(efs.endpoint === undefined ? {} : { endpoint: efs.endpoint }) });
  const shares = new EfsCloud(client, clock, { logger, ...(efs.securityGroups === undefined ? {} : { securityGroups: efs.securityGroups }) });
  const volumes = new EfsVolumes(shares, {
    pool: efs.pool, region,
    subnetOf: async (instanceId) => nodeSubnetOf(instanceId, (await instances.describeInstances([instanceId]))[0]),
  });
  return { volumes, requests: () => shares.calls.byAction() };
}
