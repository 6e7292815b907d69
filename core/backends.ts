/**
 * The backend seam, controller side: which backend a volume belongs to and how its `-o`
 * options become a spec. A volume names its backend with `-o backend=ebs|efs|nfs` (the
 * controller's `--default-backend` otherwise) and its access mode with
 * `-o access=single-writer|multi-writer`. The registry strips those two keys, hands the
 * rest to the chosen backend's own parser (which still refuses unknown keys by name), and
 * puts them back into `spec.options` only when given, so an EBS volume created without them
 * has exactly the spec it had before the seam (docs/adr/0027-backend-seam.md).
 *
 * A block backend (EBS, local) can be written by one node only: asking it for
 * `multi-writer` is refused naming the file backends that can. A backend the design has
 * but this process does not serve (`-o backend=efs` on a controller wired with EBS only)
 * is refused before anything is recorded or created, naming the ones it does serve.
 * Pure; no I/O.
 */
import { clipped, invalidArgument, quoted } from "./errors.js";
import type { VolumeSpec } from "./volume.js";

export type AccessMode = "single-writer" | "multi-writer";
export const accessModes: readonly AccessMode[] = ["single-writer", "multi-writer"];

/**
 * Every backend the design has (docs/design.md, issue 12), served or not: a name outside
 * these is a typo; one inside may not be wired into this process (yet).
 */
export const backendNames = ["ebs", "efs", "nfs", "local"] as const;
export type BackendName = (typeof backendNames)[number];

/** A block device checked and mounted on one node, or a file share several nodes may mount. */
export type BackendKind = "block" | "share";

/**
 * The kind of each backend of the design, served here or not: what a volume of it can be
 * asked (a share has no snapshots, clones or resize) follows from its kind, so a record of
 * a backend this process does not serve is still refused what its kind cannot do.
 */
export const designKinds: Readonly<Record<BackendName, BackendKind>> = { ebs: "block", efs: "share", nfs: "share", local: "block" };

/** The design's kind of `backend`; block for a name outside the design (every volume was block before the seam). */
export function backendKindOf(backend: string): BackendKind {
  return designKinds[backend.toLowerCase() as BackendName] ?? "block";
}

/** The two option keys the registry reads itself, before any backend sees the options. */
export const seamOptions = { backend: "backend", access: "access" } as const;

/** What every backend brings to the seam for creating volumes: its name, kind, ids and option parser. */
export interface BackendDefinition {
  /** The value of `-o backend=` and of `spec.backend`. */
  readonly name: string;
  readonly kind: BackendKind;
  /**
   * The start of the ids this backend's volumes have in `status.backendId` (`vol-`, `fsap-`,
   * `nfs-`); none for a backend whose volumes have no such id (local: an image named by uid).
   */
  readonly idPrefix?: string;
  /** Pure validation of this backend's own `-o` options (without backend/access); throws INVALID_ARGUMENT. */
  buildSpec(name: string, options: Readonly<Record<string, unknown>>): VolumeSpec;
}

/** Who serves the registry, as its messages name it and the setting that chooses its default. */
export interface RegistryServer {
  /** `this controller`, `this all-in-one host`. */
  readonly server: string;
  /** `--default-backend` (the controller's), `--backend` (all-in-one's). */
  readonly defaultFlag: string;
}

export const controllerServer: RegistryServer = { server: "this controller", defaultFlag: "--default-backend" };

/** Backends by name: what `-o backend=` can choose from. */
export class BackendRegistry {
  private readonly byName = new Map<string, BackendDefinition>();

  /**
   * @param defaultBackend the backend of a volume created without `-o backend=` (`--default-backend`).
   * @throws INVALID_ARGUMENT when two backends share a name or an id prefix, or the default is not among them.
   */
  constructor(definitions: readonly BackendDefinition[], readonly defaultBackend: string, private readonly where: RegistryServer = controllerServer) {
    for (const definition of definitions) {
      if (this.byName.has(definition.name)) throw invalidArgument(`backend ${quoted(definition.name)} is registered twice`);
      const clash = definitions.find((other) => other !== definition && other.idPrefix !== undefined && other.idPrefix === definition.idPrefix);
      if (clash) throw invalidArgument(`backends ${quoted(definition.name)} and ${quoted(clash.name)} share the id prefix ${quoted(definition.idPrefix)}`);
      const designed = designKinds[definition.name as BackendName] as BackendKind | undefined;
      if (designed !== undefined && designed !== definition.kind) throw invalidArgument(`backend ${quoted(definition.name)} is a ${designed} backend, registered as a ${definition.kind}`);
      this.byName.set(definition.name, definition);
    }
    if (!this.byName.has(defaultBackend)) {
      const { server, defaultFlag } = where;
      throw invalidArgument(
        `invalid ${defaultFlag} ${quoted(defaultBackend)}: ${server} serves ${this.served()}; give ${defaultFlag} ${this.names().join(" or ")}`,
        { value: clipped(defaultBackend), served: this.names() },
      );
    }
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Block or share: the served definition's kind, else the design's (backendKindOf). Never throws. */
  kindOf(backend: string): BackendKind {
    return this.byName.get(backend.toLowerCase())?.kind ?? backendKindOf(backend);
  }

  /**
   * The backend called `name`; INVALID_ARGUMENT naming the ones served when there is none:
   * a backend swarmvol has but this process does not serve is told apart from a typo.
   */
  get(name: string): BackendDefinition {
    const lower = name.toLowerCase();
    const definition = this.byName.get(lower);
    if (definition) return definition;
    const details = { option: seamOptions.backend, value: clipped(name), served: this.names() };
    if ((backendNames as readonly string[]).includes(lower)) {
      throw invalidArgument(
        `${this.where.server} does not serve the ${lower} backend (it serves ${this.served()}): create the volume with -o backend=${this.names().join("|")}, or leave -o backend out for ${this.defaultBackend}`,
        details,
      );
    }
    throw invalidArgument(`unknown backend ${quoted(name)}: use -o backend=${this.names().join("|")}`, details);
  }

  /** The names served, as a message lists them: `ebs`, `ebs and nfs`, `ebs, efs and nfs`. */
  private served(): string {
    const names = this.names();
    return names.length <= 1 ? (names[0] ?? "none") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  }

  /** The file-share backends served, the ones a multi-writer volume can use. */
  private shares(): string[] {
    return [...this.byName.values()].filter((definition) => definition.kind === "share").map((definition) => definition.name);
  }

  /** The backend whose ids start like `backendId` (`vol-…` → ebs), if any: how the controller routes a cloud id. */
  ofId(backendId: string): BackendDefinition | undefined {
    return [...this.byName.values()].find(({ idPrefix }) => idPrefix !== undefined && backendId.startsWith(idPrefix));
  }

  /**
   * `docker volume create -d swarmvol -o ...` into a spec: chooses the backend, checks the
   * access mode against its kind, and lets the backend parse the rest.
   *
   * @example registry.buildSpec("shared", { backend: "efs", access: "multi-writer" }).backend === "efs"
   */
  buildSpec(name: string, rawOptions: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec {
    const { backend, access, rest } = splitSeamOptions(rawOptions);
    const definition = this.get(backend ?? this.defaultBackend);
    const mode = parseAccessMode(access);
    if (mode === "multi-writer" && definition.kind === "block") throw multiWriterOnBlock(definition.name, this.shares(), this.where.server);
    const spec = definition.buildSpec(name, rest);
    const options: Record<string, string> = { ...spec.options };
    if (backend !== undefined) options[seamOptions.backend] = definition.name;
    if (access !== undefined) options[seamOptions.access] = mode;
    return { ...spec, backend: definition.name, options };
  }
}

/** The access mode a spec asked for; single-writer unless it said otherwise. */
export function accessModeOf(spec: VolumeSpec): AccessMode {
  return spec.options[seamOptions.access] === "multi-writer" ? "multi-writer" : "single-writer";
}

export function parseAccessMode(value: string | undefined): AccessMode {
  if (value === undefined || value === "") return "single-writer";
  const lower = value.toLowerCase();
  if (lower === "single-writer" || lower === "multi-writer") return lower;
  throw invalidArgument(`invalid access ${quoted(value)}: use -o access=single-writer (the default) or -o access=multi-writer`, { option: seamOptions.access, value: clipped(value) });
}

/** Names the served file shares, or says there is none here, so the fix given is one that works. */
function multiWriterOnBlock(backend: string, shares: readonly string[], server: string) {
  const fix = shares.length > 0
    ? `use ${shares.map((share) => `-o backend=${share}`).join(" or ")}`
    : `${server} serves no file share: leave -o access out for a single-writer volume`;
  return invalidArgument(
    `the ${backend} backend is a block device one node mounts at a time: -o access=multi-writer needs a file share; ${fix}`,
    { option: seamOptions.access, backend },
  );
}

/** Takes `backend` and `access` (any case) out of the options; the rest is the backend's. */
function splitSeamOptions(rawOptions: Readonly<Record<string, unknown>> | null | undefined): { backend?: string; access?: string; rest: Record<string, unknown> } {
  const rest: Record<string, unknown> = {};
  const found: { backend?: string; access?: string } = {};
  for (const [key, value] of Object.entries(rawOptions ?? {})) {
    const lower = key.toLowerCase();
    if (lower !== seamOptions.backend && lower !== seamOptions.access) {
      rest[key] = value;
      continue;
    }
    if (typeof value !== "string") throw invalidArgument(`option ${quoted(key)} must be a string, like -o ${lower}=...`, { option: lower });
    found[lower] = value;
  }
  return { ...found, rest };
}
