/**
 * The backends `swarmvol controller` serves (ADR 0027): the registry its volume service
 * builds every spec through, so `-o backend=` and `--default-backend` are checked against
 * what is really wired here. EBS only, until storage/efs and storage/nfs bring their
 * controller verbs (issue 12); adding one is a line here, not a branch in the controller.
 */
import { BackendRegistry, type BackendDefinition } from "../core/backends.js";
import { ebsBackend } from "../storage/ebs/options.js";

/** What this build wires into the controller, by name. */
export const controllerBackendDefinitions: readonly BackendDefinition[] = [ebsBackend];

/**
 * @param defaultBackend `--default-backend` as core/clusterConfig.ts checked it (a controller's backend).
 * @throws INVALID_ARGUMENT naming the served backends when the default is not one of them.
 */
export function controllerBackends(defaultBackend: string): BackendRegistry {
  return new BackendRegistry(controllerBackendDefinitions, defaultBackend);
}
