/**
 * One `CloudVolumes` over every backend this controller serves (ADR 0027): the reconciler,
 * VolumeService, relocation and the resync keep calling one port, and each call goes to the
 * backend that owns the volume.
 *
 * - A call about an existing volume is routed by its id's prefix (`vol-` → ebs, `fsap-` →
 *   efs) through `BackendRegistry.ofId`, so a new leader rebuilding from the cloud needs no
 *   record of which backend a volume is on. An id no served backend owns is INTERNAL: it
 *   cannot come from this controller's own creates, and guessing a backend could act on
 *   another backend's volume.
 * - A create goes to `request.backend` (the volume's `spec.backend`), or the default.
 * - A describe of every volume asks each backend once, in registration order, and joins
 *   the answers: with EBS alone it is exactly EBS's one bulk describe.
 * - Every volume it answers with is stamped with its backend (`CloudVolume.backend`), which
 *   a catalog entry rebuilt from the cloud takes (controller/rebuild.ts).
 * - Instances are the compute cloud's, not a backend's: `describeInstances` goes to
 *   `instances` (EC2).
 *
 * With EBS the only backend every call reaches EbsCloud with the same arguments as before
 * the seam: no behaviour changes.
 */
import type { BackendRegistry } from "../core/backends.js";
import type { BackendVolumes, CloudVolume, CloudVolumes, CreateCloudVolume } from "../core/cloud.js";
import { internal, invalidArgument } from "../core/errors.js";

export interface BackendRoutes {
  /** Which backend owns an id, and the default of a create that names none. */
  registry: Pick<BackendRegistry, "ofId" | "defaultBackend">;
  /** The controller verbs of each served backend, by name. */
  backends: ReadonlyMap<string, BackendVolumes>;
  /** Instance states (EC2). */
  instances: Pick<CloudVolumes, "describeInstances">;
}

/** @throws INVALID_ARGUMENT when the default backend has no verbs (the controller was wired wrong). */
export function routeBackends(routes: BackendRoutes): CloudVolumes {
  if (!routes.backends.has(routes.registry.defaultBackend)) {
    throw invalidArgument(`the default backend ${routes.registry.defaultBackend} has no controller verbs here; serve it or choose another default`, { backend: routes.registry.defaultBackend });
  }
  const byName = (name: string): BackendVolumes => {
    const verbs = routes.backends.get(name);
    if (verbs === undefined) throw internal(`no controller verbs for the ${name} backend: this controller does not serve it`, { backend: name });
    return verbs;
  };
  const byId = (id: string): BackendVolumes => byName(ownerOf(id));
  const ownerOf = (id: string): string => {
    const definition = routes.registry.ofId(id);
    if (definition === undefined) throw internal(`no backend served here owns the cloud id ${id}`, { backendId: id });
    return definition.name;
  };
  // async: an unroutable id is a rejected promise, like any other failure of the call.
  return {
    create: async (request: CreateCloudVolume) => {
      const backend = request.backend ?? routes.registry.defaultBackend;
      return { ...(await byName(backend).create(request)), backend };
    },
    describe: async (ids) => (ids === undefined ? describeAll(routes.backends) : describeSome(ids, ownerOf, byName)),
    attach: async (volumeId, instanceId) => byId(volumeId).attach(volumeId, instanceId),
    detach: async (volumeId, instanceId, options) => byId(volumeId).detach(volumeId, instanceId, options),
    delete: async (volumeId) => byId(volumeId).delete(volumeId),
    setTags: async (volumeId, tags) => byId(volumeId).setTags(volumeId, tags),
    describeInstances: async (ids) => routes.instances.describeInstances(ids),
  };
}

/** Each answer stamped with the backend that gave it. */
const stamped = (backend: string) => (volumes: CloudVolume[]): CloudVolume[] => volumes.map((volume) => ({ ...volume, backend }));

async function describeAll(backends: ReadonlyMap<string, BackendVolumes>): Promise<CloudVolume[]> {
  const answers = await Promise.all([...backends].map(([backend, verbs]) => verbs.describe().then(stamped(backend))));
  return answers.flat();
}

/** One describe per backend that owns some of the ids (none when `ids` is empty, as before). */
async function describeSome(ids: readonly string[], ownerOf: (id: string) => string, byName: (name: string) => BackendVolumes): Promise<CloudVolume[]> {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const backend = ownerOf(id);
    byName(backend); // an unserved owner is refused before any backend is asked
    groups.set(backend, [...(groups.get(backend) ?? []), id]);
  }
  if (groups.size === 0) return [];
  const answers = await Promise.all([...groups].map(([backend, owned]) => byName(backend).describe(owned).then(stamped(backend))));
  return answers.flat();
}
