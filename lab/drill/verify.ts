/**
 * What "nothing acknowledged was lost" means, as pure functions over what the clients
 * recorded outside the cluster and what the workloads hold after the fault:
 *
 * - every acknowledged row is in the table with the payload derived from its id;
 * - every acknowledged file exists with the sha256 the service answered when it was written;
 * - rows committed on a fenced node are all older than the volume's new attachment
 *   (nothing the old holder wrote landed after the move).
 *
 * Unacknowledged writes may or may not be there: a commit can succeed while its answer is
 * lost. They are never counted as lost.
 */
import { createHash } from "node:crypto";

/** The payload of row `id`: anyone can recompute it, so a torn or swapped row shows. */
export function rowPayload(id: number): string {
  return createHash("sha256").update(`swarmvol-drill-row-${id}`).digest("hex").slice(0, 32);
}

export interface FoundRow {
  id: number;
  payload: string;
  /** The server address that committed it (inet_server_addr()). */
  node: string;
  /** Commit time, epoch ms. */
  at: number;
}

/** Parses `psql -At -F '|'` output of `SELECT id, payload, node, at_ms`. */
export function parseRows(text: string): FoundRow[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const [id = "", payload = "", node = "", at = ""] = line.split("|");
    return { id: Number(id), payload, node, at: Math.round(Number(at)) };
  });
}

export interface RowCheck {
  acked: number;
  present: number;
  missing: number[];
  corrupt: number[];
}

/** Compares the acknowledged ids with the rows found. Lists are capped in the report, not here. */
export function checkRows(acked: Iterable<number>, found: readonly FoundRow[]): RowCheck {
  const byId = new Map(found.map((r) => [r.id, r]));
  const result: RowCheck = { acked: 0, present: 0, missing: [], corrupt: [] };
  for (const id of acked) {
    result.acked++;
    const row = byId.get(id);
    if (row === undefined) result.missing.push(id);
    else if (row.payload !== rowPayload(id)) result.corrupt.push(id);
    else result.present++;
  }
  return result;
}

/** Parses `sha256sum` output ("<hex>  <path>") into path → checksum. */
export function parseManifest(text: string): Map<string, string> {
  const manifest = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) manifest.set(match[2], match[1]);
  }
  return manifest;
}

export interface FileCheck {
  acked: number;
  present: number;
  missing: string[];
  corrupt: string[];
}

/**
 * Compares acknowledged files with the service's manifest. `accepted` maps each path to
 * the checksums it may hold: its latest acknowledged content, plus any rewrite attempted
 * after it whose answer was lost (that rewrite may or may not have landed).
 */
export function checkFiles(accepted: ReadonlyMap<string, readonly string[]>, manifest: ReadonlyMap<string, string>): FileCheck {
  const result: FileCheck = { acked: 0, present: 0, missing: [], corrupt: [] };
  for (const [path, sums] of accepted) {
    result.acked++;
    const found = manifest.get(path);
    if (found === undefined) result.missing.push(path);
    else if (!sums.includes(found)) result.corrupt.push(path);
    else result.present++;
  }
  return result;
}

/** Rows the fenced node committed after `movedAt` (must be none). */
export function rowsFromOldNodeAfter(found: readonly FoundRow[], oldAddress: string, movedAt: number): number[] {
  return found.filter((r) => r.node === oldAddress && r.at > movedAt).map((r) => r.id);
}

/** The SHA-256 (hex) of a body, as the Jenkins-like service answers it. */
export function sha256Hex(body: string | Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}
