/**
 * The PostgreSQL client of the drill: the machine's own `psql` (15), run in the root
 * namespace against the node address that runs the database. One process per row, so an
 * acknowledgement is exactly "psql exited 0 after COMMIT" — nothing is buffered in the
 * drill that the database did not confirm.
 */
import type { CommandRunner } from "../../core/ports.js";
import { DB_PORT } from "./stack.js";
import { parseRows, rowPayload, type FoundRow } from "./verify.js";
import type { WriteOnce } from "./writer.js";

export const TABLE = "drill_rows";

/** Connection timeout (s) and the hard limit per psql process (ms): a partitioned node never answers. */
const CONNECT_TIMEOUT_S = 3;
const PSQL_TIMEOUT_MS = 8_000;

export const CREATE_TABLE_SQL =
  `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigint PRIMARY KEY, payload text NOT NULL, ` +
  "node text NOT NULL DEFAULT host(inet_server_addr()), at timestamptz NOT NULL DEFAULT clock_timestamp())";

export const SELECT_ROWS_SQL = `SELECT id, payload, node, (extract(epoch from at) * 1000)::bigint FROM ${TABLE} ORDER BY id`;

/** psql's argv for one statement against `address` (no ~/.psqlrc, stop on error, unaligned). */
export function psqlArgs(address: string, sql: string): string[] {
  return ["-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", address, "-p", String(DB_PORT), "-U", "postgres", "-d", "postgres", "-c", sql];
}

export function insertSql(id: number): string {
  return `INSERT INTO ${TABLE} (id, payload) VALUES (${id}, '${rowPayload(id)}')`;
}

/** Runs psql with PGCONNECT_TIMEOUT set (env through `env`, as the runner takes no env). */
export async function psql(runner: CommandRunner, address: string, sql: string): Promise<{ ok: boolean; stdout: string; error: string }> {
  const result = await runner.run("env", [`PGCONNECT_TIMEOUT=${CONNECT_TIMEOUT_S}`, "psql", ...psqlArgs(address, sql)], { timeoutMs: PSQL_TIMEOUT_MS });
  return { ok: result.code === 0, stdout: result.stdout, error: result.stderr.trim().split("\n")[0] ?? "" };
}

/** A {@link WriteOnce} inserting row `seq` (ids are never reused, even after a failure). */
export function postgresWrite(runner: CommandRunner): WriteOnce {
  return async (address, seq) => {
    const result = await psql(runner, address, insertSql(seq));
    return { ok: result.ok, key: String(seq), error: result.error };
  };
}

/** Every row in the table, or the error if the database does not answer. */
export async function readAllRows(runner: CommandRunner, address: string): Promise<FoundRow[]> {
  const result = await psql(runner, address, SELECT_ROWS_SQL);
  if (!result.ok) throw new Error(`reading ${TABLE} from ${address} failed: ${result.error}`);
  return parseRows(result.stdout);
}
