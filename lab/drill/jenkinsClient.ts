/**
 * The client of the Jenkins-like service: posts job configs (rewritten now and then, as
 * Jenkins does) and build logs (write-once) over HTTP from the root namespace, and keeps
 * a ledger of what each file may contain. A post is acknowledged when the service answers
 * 200 with the SHA-256 of exactly what was sent (the CGI script answers after `sync`).
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { JENKINS_PORT } from "./stack.js";
import { sha256Hex } from "./verify.js";
import type { WriteOnce } from "./writer.js";

const HTTP_TIMEOUT_MS = 8_000;

/** The file written by post number `seq`: every third rewrites one of 7 job configs. */
export function jenkinsPath(seq: number): string {
  const job = `job-${seq % 7}`;
  return seq % 3 === 0 ? `jobs/${job}/config.xml` : `jobs/${job}/builds/${seq}/log`;
}

/** Content for post `seq`: a config or a log line block, 0.5–4 KiB, random so nothing is guessable. */
export function jenkinsBody(seq: number): string {
  const filler = randomBytes(256 + (seq % 8) * 224).toString("base64");
  return seq % 3 === 0
    ? `<?xml version='1.1'?>\n<project><description>drill ${seq}</description><!-- ${filler} --></project>\n`
    : `Started by swarmvol drill, build ${seq}\n${filler}\nFinished: SUCCESS\n`;
}

/**
 * What each file may hold: after an acknowledged write, exactly that content; a rewrite
 * sent later adds its checksum as also acceptable from the moment it is sent (until
 * answered it may or may not have landed; unanswered, it stays possible for good).
 */
export class FileLedger {
  private readonly accepted = new Map<string, string[]>();

  /** Before sending: the new content becomes possible for a file already acknowledged. */
  sending(path: string, sum: string): void {
    this.accepted.get(path)?.push(sum);
  }

  /** After an acknowledged write: exactly this content. */
  acked(path: string, sum: string): void {
    this.accepted.set(path, [sum]);
  }

  snapshot(): ReadonlyMap<string, readonly string[]> {
    return this.accepted;
  }
}

/** One HTTP exchange: status and body, or an error after `timeoutMs`. */
export function httpExchange(
  method: "GET" | "POST", url: string, body?: string, timeoutMs = HTTP_TIMEOUT_MS, headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const all = body === undefined ? headers : { ...headers, "content-type": "text/plain", "content-length": String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: timeoutMs, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export function jenkinsUrl(address: string, path: string): string {
  return `http://${address}:${JENKINS_PORT}${path}`;
}

/** A {@link WriteOnce} posting file number `seq`, recording the outcome in `ledger`. */
export function jenkinsWrite(ledger: FileLedger): WriteOnce {
  return async (address, seq) => {
    const path = jenkinsPath(seq);
    const body = jenkinsBody(seq);
    const sum = sha256Hex(body);
    ledger.sending(path, sum);
    try {
      const answer = await httpExchange("POST", jenkinsUrl(address, `/cgi-bin/job?path=${path}`), body);
      const ok = answer.status === 200 && answer.body.trim() === sum;
      if (ok) ledger.acked(path, sum);
      return { ok, key: path, error: ok ? undefined : `HTTP ${answer.status}: ${answer.body.trim().slice(0, 80)}` };
    } catch (err) {
      return { ok: false, key: path, error: err instanceof Error ? err.message : String(err) };
    }
  };
}

/** The service's manifest (`sha256sum` of every file under its home). */
export async function readManifest(address: string): Promise<string> {
  const answer = await httpExchange("GET", jenkinsUrl(address, "/cgi-bin/sums"), undefined, 30_000);
  if (answer.status !== 200) throw new Error(`GET /cgi-bin/sums on ${address}: HTTP ${answer.status}`);
  return answer.body;
}
