import {
  ErrorCode, internal, invalidArgument, SwarmvolError, unavailable,
} from "../../core/errors.js";
import type { VolumeRecord } from "../../core/volume.js";
import {
  apiPaths,
  type ClaimRequest, type ClaimResponse, type CreateVolumeRequest, type HeartbeatRequest, type HeartbeatResponse,
  type ReleaseRequest, type VolumeListResponse, type VolumeResponse, type WantedResponse,
} from "../../api/contract.js";

/** Per-call knobs; every call has a deadline so no Docker request waits on a dead socket. */
export interface CallOptions {
  /** @default the client's `timeoutMs` */
  timeoutMs?: number;
  /** Cancels the call (the lease keeper's stop). */
  signal?: AbortSignal;
}

/**
 * The controller's API as the agent uses it (api/contract.ts). Failures are core
 * SwarmvolErrors: the controller's own code and message, or UNAVAILABLE when it cannot be
 * reached or did not answer in time.
 */
export interface ControllerApi {
  health(options?: CallOptions): Promise<Record<string, unknown>>;
  listVolumes(options?: CallOptions): Promise<VolumeRecord[]>;
  /** Throws NOT_FOUND when the controller has no such volume. */
  getVolume(name: string, options?: CallOptions): Promise<VolumeRecord>;
  createVolume(request: CreateVolumeRequest, options?: CallOptions): Promise<VolumeRecord>;
  /** Idempotent: removing a missing volume succeeds. */
  removeVolume(name: string, options?: CallOptions): Promise<void>;
  /** The updated record when the controller returns one. */
  markFormatted(name: string, options?: CallOptions): Promise<VolumeRecord | undefined>;
  claim(name: string, request: ClaimRequest, options?: CallOptions): Promise<ClaimResponse>;
  release(name: string, request: ReleaseRequest, options?: CallOptions): Promise<void>;
  /** Whether a Swarm task on that node needs the volume there. */
  wanted(name: string, request: ReleaseRequest, options?: CallOptions): Promise<boolean>;
  heartbeat(nodeId: string, request: HeartbeatRequest, options?: CallOptions): Promise<HeartbeatResponse>;
}

export interface ControllerClientOptions {
  /** Like `http://10.213.0.11:7750`; a trailing slash is ignored. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every call but health. */
  token: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** @default globalThis.fetch (tests may inject another) */
  fetch?: typeof fetch;
}

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** A small JSON client over fetch for the controller's HTTP API. */
export class ControllerClient implements ControllerApi {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: ControllerClientOptions) {
    this.baseUrl = checkBaseUrl(options.baseUrl);
    if (typeof options.token !== "string" || options.token.length === 0) {
      throw invalidArgument("missing controller token: the agent needs the token the controller was started with");
    }
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 5000;
    if (!(this.timeoutMs > 0)) throw invalidArgument(`timeoutMs must be a positive number of milliseconds, not ${String(options.timeoutMs)}`);
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async health(options?: CallOptions): Promise<Record<string, unknown>> {
    return (await this.call("GET", apiPaths.health, undefined, options, false)) as Record<string, unknown>;
  }

  async listVolumes(options?: CallOptions): Promise<VolumeRecord[]> {
    const answer = (await this.call("GET", apiPaths.volumes, undefined, options)) as Partial<VolumeListResponse>;
    if (!Array.isArray(answer?.volumes)) throw this.malformed(apiPaths.volumes, "no volumes array");
    return answer.volumes;
  }

  async getVolume(name: string, options?: CallOptions): Promise<VolumeRecord> {
    return this.volumeOf(apiPaths.volume(name), await this.call("GET", apiPaths.volume(name), undefined, options));
  }

  async createVolume(request: CreateVolumeRequest, options?: CallOptions): Promise<VolumeRecord> {
    return this.volumeOf(apiPaths.volumes, await this.call("POST", apiPaths.volumes, request, options));
  }

  async removeVolume(name: string, options?: CallOptions): Promise<void> {
    await this.call("DELETE", apiPaths.volume(name), undefined, options);
  }

  async markFormatted(name: string, options?: CallOptions): Promise<VolumeRecord | undefined> {
    const answer = (await this.call("POST", apiPaths.formatted(name), {}, options)) as Partial<VolumeResponse> | undefined;
    return answer?.volume;
  }

  async claim(name: string, request: ClaimRequest, options?: CallOptions): Promise<ClaimResponse> {
    const answer = (await this.call("POST", apiPaths.claim(name), request, options)) as ClaimResponse | undefined;
    const state = answer?.state;
    if (state !== "granted" && state !== "pending" && state !== "refused") {
      throw this.malformed(apiPaths.claim(name), `unknown claim state ${JSON.stringify(state)}`);
    }
    return answer as ClaimResponse;
  }

  async release(name: string, request: ReleaseRequest, options?: CallOptions): Promise<void> {
    await this.call("POST", apiPaths.release(name), request, options);
  }

  async wanted(name: string, request: ReleaseRequest, options?: CallOptions): Promise<boolean> {
    const answer = (await this.call("POST", apiPaths.wanted(name), request, options)) as Partial<WantedResponse> | undefined;
    if (typeof answer?.wanted !== "boolean") throw this.malformed(apiPaths.wanted(name), "no boolean `wanted`");
    return answer.wanted;
  }

  async heartbeat(nodeId: string, request: HeartbeatRequest, options?: CallOptions): Promise<HeartbeatResponse> {
    const answer = (await this.call("POST", apiPaths.heartbeat(nodeId), request, options)) as Partial<HeartbeatResponse> | undefined;
    if (typeof answer?.ttlMs !== "number" || !Array.isArray(answer.revoke)) {
      throw this.malformed(apiPaths.heartbeat(nodeId), "expected {ttlMs, revoke}");
    }
    return answer as HeartbeatResponse;
  }

  /**
   * One request: JSON body out, JSON (or nothing, for 204) back. The deadline covers the
   * whole exchange, body included.
   */
  private async call(method: string, path: string, body: unknown, options: CallOptions = {}, auth = true): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const deadline = AbortSignal.timeout(Math.max(1, timeoutMs));
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (auth) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let status: number;
    let text: string;
    try {
      const response = await this.fetch(`${this.baseUrl}${path}`, {
        method, headers, signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      status = response.status;
      text = await response.text();
    } catch (err) {
      throw this.unreachable(err, timeoutMs, options.signal);
    }
    if (status >= 200 && status < 300) return parseOk(text, () => this.malformed(path, "body is not JSON"));
    throw this.errorOf(status, path, text);
  }

  private volumeOf(path: string, answer: unknown): VolumeRecord {
    const volume = (answer as Partial<VolumeResponse> | undefined)?.volume;
    if (!volume || typeof volume !== "object" || typeof volume.spec?.name !== "string") throw this.malformed(path, "no volume");
    return volume;
  }

  /** The controller's error body becomes the same domain error; anything else is named. */
  private errorOf(status: number, path: string, text: string): SwarmvolError {
    const error = tryJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined;
    const code = error?.error?.code;
    const message = error?.error?.message;
    if (typeof code === "string" && knownCodes.has(code) && typeof message === "string") {
      return new SwarmvolError(code as ErrorCode, message, { status });
    }
    const said = text.trim().slice(0, 200);
    const where = `controller at ${this.baseUrl} answered ${path} with HTTP ${status}`;
    if (status === 502 || status === 503 || status === 504) {
      return unavailable(`${where} (${said || "no body"}); is \`swarmvol controller\` running?`, { status });
    }
    return internal(`${where} and no swarmvol error body (${said || "empty"}); is ${this.baseUrl} a swarmvol controller?`, { status });
  }

  private unreachable(err: unknown, timeoutMs: number, callerSignal: AbortSignal | undefined): SwarmvolError {
    if (callerSignal?.aborted) return unavailable(`call to the controller at ${this.baseUrl} cancelled`, {}, err);
    const name = (err as { name?: string } | undefined)?.name;
    const reason = name === "TimeoutError" || name === "AbortError" ? `no answer within ${timeoutMs} ms` : describeNetworkError(err);
    return unavailable(`controller at ${this.baseUrl} unreachable: ${reason}; is \`swarmvol controller\` running?`, { url: this.baseUrl }, err);
  }

  private malformed(path: string, what: string): SwarmvolError {
    return internal(`controller at ${this.baseUrl} answered ${path} with an unexpected body (${what}); are the agent and controller the same swarmvol version?`);
  }
}

function checkBaseUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw invalidArgument(`invalid controller URL "${raw}": use http://HOST:PORT, like http://10.213.0.11:7750`);
  }
  return raw.replace(/\/+$/, "");
}

/** undici reports "fetch failed" and keeps the useful part (ECONNREFUSED ...) in `cause`. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseOk(text: string, malformed: () => Error): unknown {
  if (text.trim() === "") return undefined;
  const parsed = tryJson(text);
  if (parsed === undefined) throw malformed();
  return parsed;
}
