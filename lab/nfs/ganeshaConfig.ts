/**
 * The nfs-ganesha configuration for the lab's NFS server (pure). What works on these hosts
 * (shared/lab-notes.md "NFS without a kernel client"): NFSv4 only on one address and port,
 * no NLM, RQUOTA or rpcbind, no grace period, VFS exports. Two additions found while
 * building it:
 * - `Attr_Expiration_Time = 0` on every export. The lab writes into an export's directory
 *   behind ganesha's back (the node's bind mount); with the default 60 s attribute cache a
 *   file rewritten there was read over NFS with its old size (`chan` for `changed`).
 * - `Only_Numeric_Owners`: owners cross the wire as numbers, so an NFS listing shows the
 *   uid/gid an access point enforced, without an idmap domain.
 */

/** One directory served over NFS. */
export interface NfsExport {
  /** 1..65535, stable for the export's life (clients' file handles carry it). */
  exportId: number;
  /** Absolute host path of the exported directory. */
  path: string;
  /** The NFSv4 pseudo path clients mount, e.g. `/fs-0123…`. */
  pseudo: string;
  /** Every client user becomes this uid/gid (All_Squash): an EFS access point's PosixUser. Else no squashing. */
  squashTo?: { uid: number; gid: number };
}

/** Something that serves a set of exports; `apply` is level-based (the whole set each time). */
export interface NfsExporter {
  apply(exports: readonly NfsExport[]): Promise<void>;
  close(): Promise<void>;
}

export interface GaneshaConfigOptions {
  /** A specific address (loopback, the lab bridge), never a wildcard. */
  host: string;
  port: number;
  /** Where ganesha keeps its NFSv4 client recovery records (one directory per server). */
  recoveryDir: string;
}

/** Characters ganesha's config parser cannot take inside a quoted string, or that end a line. */
const UNQUOTABLE = /["\\\n\r\0]/;

/** Whether `path` can be written into a ganesha config as a quoted string. */
export function isQuotable(path: string): boolean {
  return !UNQUOTABLE.test(path);
}

function quoted(value: string, what: string): string {
  if (!isQuotable(value)) throw new TypeError(`${what} ${JSON.stringify(value)} cannot be written into a ganesha config`);
  return `"${value}"`;
}

function exportBlock(e: NfsExport): string {
  if (!Number.isInteger(e.exportId) || e.exportId < 1 || e.exportId > 65535) throw new TypeError(`export id ${e.exportId} is not in 1..65535`);
  if (!e.pseudo.startsWith("/") || !e.path.startsWith("/")) throw new TypeError(`export ${e.exportId}: path and pseudo must be absolute`);
  const squash = e.squashTo === undefined
    ? ["Squash = No_Root_Squash;"]
    : ["Squash = All_Squash;", `Anonymous_Uid = ${e.squashTo.uid};`, `Anonymous_Gid = ${e.squashTo.gid};`];
  return [
    "EXPORT {",
    `  Export_Id = ${e.exportId};`,
    `  Path = ${quoted(e.path, "path")};`,
    `  Pseudo = ${quoted(e.pseudo, "pseudo path")};`,
    "  Access_Type = RW;",
    "  Protocols = 4;",
    "  Transports = TCP;",
    `  ${squash.join(" ")}`,
    "  Attr_Expiration_Time = 0;",
    "  FSAL { Name = VFS; }",
    "}",
  ].join("\n");
}

/** The whole config file; exports in id order, so the same set always gives the same text. */
export function ganeshaConfig(options: GaneshaConfigOptions, exports: readonly NfsExport[]): string {
  const ids = new Set<number>();
  const pseudos = new Set<string>();
  for (const e of exports) {
    if (ids.has(e.exportId)) throw new TypeError(`export id ${e.exportId} is used twice`);
    if (pseudos.has(e.pseudo)) throw new TypeError(`pseudo path ${e.pseudo} is used twice`);
    ids.add(e.exportId);
    pseudos.add(e.pseudo);
  }
  const head = [
    "# Written by swarmvol's lab (lab/nfs/ganeshaConfig.ts); rewritten on every change of exports.",
    "NFS_CORE_PARAM {",
    "  Protocols = 4;",
    `  NFS_Port = ${options.port};`,
    `  Bind_addr = ${options.host};`,
    "  Enable_NLM = false;",
    "  Enable_RQUOTA = false;",
    "}",
    "NFSV4 {",
    "  Graceless = true;",
    "  Only_Numeric_Owners = true;",
    '  RecoveryBackend = "fs";',
    `  RecoveryRoot = ${quoted(options.recoveryDir, "recovery directory")};`,
    "}",
    "NFS_KRB5 { Active_krb5 = false; }",
  ];
  const blocks = [...exports].sort((a, b) => a.exportId - b.exportId).map(exportBlock);
  return [...head, ...blocks].join("\n") + "\n";
}
