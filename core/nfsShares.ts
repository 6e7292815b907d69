/**
 * NFS volumes (issue 12, docs/adr/0031-nfs-volumes-on-an-operator-export.md) in swarmvol's
 * own types: the operator names one existing export (`server:/path` or
 * `nfs://server[:port]/path`), every volume is a subdirectory of it, and a small marker file
 * per volume beside the volumes (`<export>/.swarmvol/<id>.json`, never inside a volume's
 * directory) holds what EFS keeps in an access point's tags: name, uid, epoch, placements.
 *
 * - The parsers are pure, linear and bounded (1,024 characters): an export, its mount
 *   options and a grant's device come from settings, `-o` and the wire, so hostile input
 *   (`..`, spaces, ports out of range, 5,000 characters) is refused by name, never resolved.
 * - A grant's device is `nfs://server[:port]/export/sub[?opt,opt]`: everything the node's
 *   mount needs, as `efs://…` is for EFS (ADR 0027).
 * - `ExportDirectories` is the controller's port onto the export (storage/nfs implements it
 *   on a directory where the export is reachable from the controller's host).
 * Pure; no I/O.
 */
import { createHash } from "node:crypto";
import { clipped, invalidArgument, quoted } from "./errors.js";
import { nfsMountCommand, parseShareDevice, type DirectoryOwner, type MountCommand, type ShareMount } from "./fileShares.js";

/** An NFS export as the operator names it: a server (an IPv6 address in brackets), an optional port and an absolute path. */
export interface NfsExport {
  server: string;
  port?: number;
  path: string;
}

/** Longest export, device or option list the parsers read: bounded work on any input. */
export const maxNfsTextLength = 1024;

const nfsScheme = "nfs://";
const labelPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const ipv6Pattern = /^[0-9A-Fa-f:.]{2,45}$/;
const segmentPattern = /^[A-Za-z0-9._~+@=-]{1,255}$/;
const optionPattern = /^[A-Za-z0-9_-]{1,64}(?:=[A-Za-z0-9_.:/@+-]{1,255})?$/;

const refuse = (text: string, why: string) =>
  invalidArgument(`invalid NFS export ${quoted(clipped(text))}: ${why}; write server:/path or nfs://server[:port]/path`, { value: clipped(text) });

/**
 * `server:/path`, `[fd00::1]:/path` or `nfs://server[:port]/path` into its parts, the path
 * normalized (`//` and a trailing `/` dropped). `.` and `..` segments are refused, not
 * resolved: a volume's directory must stay inside the export.
 *
 * @example parseNfsExport("nfs://nas.lab:2049/srv/swarm") // { server: "nas.lab", port: 2049, path: "/srv/swarm" }
 * @throws INVALID_ARGUMENT naming what is wrong.
 */
export function parseNfsExport(text: string): NfsExport {
  if (text.length === 0) throw refuse(text, "it is empty");
  if (text.length > maxNfsTextLength) throw refuse(text, `it is longer than ${maxNfsTextLength} characters`);
  if (hasSpaceOrControl(text)) throw refuse(text, "it holds a space or a control character");
  const { authority, path } = text.startsWith(nfsScheme) ? splitUrl(text) : splitColon(text);
  const { server, port } = parseAuthority(text, authority);
  return { server, ...(port === undefined ? {} : { port }), path: normalizedPath(text, path) };
}

/** A space (any Unicode white space) or an ASCII control character. */
function hasSpaceOrControl(text: string): boolean {
  if (/\s/.test(text)) return true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function splitUrl(text: string): { authority: string; path: string } {
  const rest = text.slice(nfsScheme.length);
  const slash = rest.indexOf("/");
  return slash < 0 ? { authority: rest, path: "/" } : { authority: rest.slice(0, slash), path: rest.slice(slash) };
}

function splitColon(text: string): { authority: string; path: string } {
  const colon = text.startsWith("[") ? text.indexOf("]") + 1 : text.indexOf(":");
  if (colon <= 0 || text[colon] !== ":" || text[colon + 1] !== "/") {
    throw refuse(text, "no server:/path in it (the path must be absolute; a port needs nfs://server:port/path)");
  }
  return { authority: text.slice(0, colon), path: text.slice(colon + 1) };
}

function parseAuthority(text: string, authority: string): { server: string; port?: number } {
  let host = authority;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0 || !ipv6Pattern.test(authority.slice(1, close)) || !authority.slice(1, close).includes(":")) throw refuse(text, "the IPv6 address in [] is not one");
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw refuse(text, "something follows the IPv6 address");
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = authority.indexOf(":");
    if (colon >= 0) [host, portText] = [authority.slice(0, colon), authority.slice(colon + 1)];
    if (host === "") throw refuse(text, "the server is empty");
    if (host.length > 253 || !host.split(".").every((label) => labelPattern.test(label))) throw refuse(text, `the server ${quoted(clipped(host))} is not a host name or address`);
  }
  if (portText === undefined) return { server: host };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw refuse(text, `the port ${quoted(clipped(portText))} is not a number from 1 to 65535`);
  return { server: host, port };
}

function normalizedPath(text: string, path: string): string {
  if (!path.startsWith("/")) throw refuse(text, "the path must be absolute");
  const segments = path.split("/").filter((segment) => segment !== "");
  for (const segment of segments) {
    if (segment === "." || segment === "..") throw refuse(text, "the path holds a . or .. segment");
    if (!segmentPattern.test(segment)) throw refuse(text, `the path segment ${quoted(clipped(segment))} holds a character other than letters, digits and . _ ~ + @ = -`);
  }
  return `/${segments.join("/")}`;
}

/** `server:/path`, or `[v6]:/path`, or with a port `nfs://server:port/path`: how messages and logs name an export. */
export function formatNfsExport(nfs: NfsExport): string {
  return nfs.port === undefined ? `${nfs.server}:${nfs.path}` : `${nfsScheme}${nfs.server}:${nfs.port}${nfs.path}`;
}

/**
 * The operator's extra mount options (`--nfs-mount-options`), comma-separated, each `key`
 * or `key=value`; appended after swarmvol's own, so mount(8)'s last-wins lets one override.
 * @throws INVALID_ARGUMENT for an empty item, a space or a character a mount option cannot hold.
 */
export function parseNfsMountOptions(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  if (text.length > maxNfsTextLength) throw invalidArgument(`--nfs-mount-options is longer than ${maxNfsTextLength} characters`);
  const options = text.split(",");
  for (const option of options) {
    if (!optionPattern.test(option)) {
      throw invalidArgument(`invalid NFS mount option ${quoted(clipped(option))}: write key or key=value, comma-separated, like actimeo=30,nconnect=4`, { value: clipped(option) });
    }
  }
  return options;
}

const hash = (text: string, digits: number) => createHash("sha256").update(text).digest("hex").slice(0, digits);

/** An NFS volume's id (`status.backendId`): from its uid alone, so a retried create finds the same one. */
export function nfsVolumeId(uid: string): string {
  return `nfs-${hash(`${uid}:nfs-volume`, 17)}`;
}

/**
 * The volume's directory in the export: `<name>-<8 hex of its uid>`, one path segment. The
 * uid part keeps a new volume of a removed one's name (whose directory is kept by default)
 * from meeting the old files; the name part lets the operator find it on the server.
 */
export function nfsDirectoryName(name: string, uid: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 200);
  return `${safe}-${hash(`${uid}:nfs-dir`, 8)}`;
}

/** What a node mounts for an NFS volume: the export's server and port, the volume's path in it, the operator's options. */
export interface NfsShareMount {
  kind: "nfs";
  server: string;
  port?: number;
  /** The export path and the volume's directory: `/srv/swarm/db-1a2b3c4d`. */
  path: string;
  options: string[];
}

/** A grant's device for an NFS share: `nfs://server[:port]/export/sub[?opt,opt]`. */
export function nfsShareDevice(share: Omit<NfsShareMount, "kind">): string {
  const authority = share.port === undefined ? share.server : `${share.server}:${share.port}`;
  return `${nfsScheme}${authority}${share.path}${share.options.length > 0 ? `?${share.options.join(",")}` : ""}`;
}

/** The NFS share a grant's device names, or undefined for any other device (`/dev/…`, `efs://…`, malformed). */
export function parseNfsShareDevice(device: string): NfsShareMount | undefined {
  if (!device.startsWith(nfsScheme) || device.length > maxNfsTextLength) return undefined;
  const question = device.indexOf("?");
  try {
    const { server, port, path } = parseNfsExport(question < 0 ? device : device.slice(0, question));
    const options = question < 0 ? [] : parseNfsMountOptions(device.slice(question + 1));
    if (path === "/") return undefined;
    return { kind: "nfs", server, ...(port === undefined ? {} : { port }), path, options };
  } catch {
    return undefined;
  }
}

/**
 * `mount -t nfs4 -o nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport[,port=N][,operator options] server:/export/sub TARGET`.
 */
export function nfsShareMountCommand(share: NfsShareMount, target: string): MountCommand {
  return nfsMountCommand(share.server, share.path, target, [...(share.port === undefined ? [] : [`port=${share.port}`]), ...share.options]);
}

/** A grant's file share, whichever backend made it; `kind` tells an NFS share from an EFS access point. */
export type GrantedShare = ShareMount | NfsShareMount;

export function isNfsShare(share: GrantedShare): share is NfsShareMount {
  return "kind" in share && share.kind === "nfs";
}

/** The file share a grant's device names (EFS or NFS), or undefined for a block device. */
export function parseGrantedShare(device: string): GrantedShare | undefined {
  return parseShareDevice(device) ?? parseNfsShareDevice(device);
}

/**
 * A volume's marker: its directory and what EFS would keep in tags (`cloudTags`: name, uid,
 * epoch, spec; `swarmvol/at/<instance>` placements; `swarmvol/onRemove`, `swarmvol/access`).
 */
export interface NfsVolumeMarker {
  id: string;
  directory: string;
  tags: Readonly<Record<string, string>>;
}

/**
 * The export as the controller reaches it (ADR 0031): volume directories and their markers.
 * Every call is idempotent, so a retried or repeated step (a crash, a new leader) is safe.
 */
export interface ExportDirectories {
  /** Makes the directory (one path segment) with this owner and mode; an existing one is left as it is, files and owner kept. */
  makeDirectory(directory: string, owner: DirectoryOwner): Promise<void>;
  /** Removes the directory and everything in it; an absent one is done. */
  removeDirectory(directory: string): Promise<void>;
  readMarker(id: string): Promise<NfsVolumeMarker | undefined>;
  /** Writes the marker atomically (a reader sees the old one or the new one, never half). */
  writeMarker(marker: NfsVolumeMarker): Promise<void>;
  /** An absent marker is done. */
  removeMarker(id: string): Promise<void>;
  listMarkers(): Promise<NfsVolumeMarker[]>;
}
