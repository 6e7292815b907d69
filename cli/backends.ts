/**
 * The backends each daemon serves (ADR 0027): the registry its volumes' specs are built
 * through, so `-o backend=`, `-o access=` and the default backend are checked against what
 * is really wired there. `swarmvol controller`: EBS only. storage/efs has its definition
 * and controller verbs (efsDefinition, EfsVolumes), and the agent mounts its shares
 * (plugin/mountSteps.ts), but it joins here only once snapshot and resize refuse a share by
 * kind and subnetOf is wired (ADR 0027, "Still to build"); adding one is a line here and its verbs in the controller's router,
 * not a branch in the controller. NFS is served when the operator names its export
 * (`--nfs-export`, ADR 0031). `swarmvol all-in-one`: local.
 */
import { BackendRegistry, type BackendDefinition } from "../core/backends.js";
import { ebsDefinition } from "../storage/ebs/options.js";
import { localDefinition } from "../storage/local/localBackend.js";
import { nfsDefinition } from "../storage/nfs/options.js";

/** What this build wires into the controller, by name (nfs only with --nfs-export). */
export const controllerBackendDefinitions: readonly BackendDefinition[] = [ebsDefinition, nfsDefinition];

/**
 * @param defaultBackend `--default-backend` as core/clusterConfig.ts checked it (a controller's backend).
 * @param configured which optional backends have their settings: nfs is served only with an export.
 * @throws INVALID_ARGUMENT naming the served backends when the default is not one of them.
 */
export function controllerBackends(defaultBackend: string, configured: { nfs: boolean } = { nfs: false }): BackendRegistry {
  return new BackendRegistry(controllerBackendDefinitions.filter((definition) => definition !== nfsDefinition || configured.nfs), defaultBackend);
}

/** All-in-one's: the local backend on this host, its `--backend` (core/config.ts) the default. */
export function allInOneBackends(): BackendRegistry {
  return new BackendRegistry([localDefinition], localDefinition.name, { server: "this all-in-one host", defaultFlag: "--backend" });
}
