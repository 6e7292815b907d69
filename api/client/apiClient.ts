import type { z } from "zod";
import { invalidArgument } from "../../core/errors.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { VolumeFilters } from "../../core/volumeFilters.js";
import {
  apiPaths,
  type ClaimRequest, type ClaimResponse, type CreateVolumeRequest, type HealthResponse, type HeartbeatRequest, type HeartbeatResponse,
  type ReleaseRequest,
} from "../contract.js";
import * as schemas from "../schemas/bodies.js";
import { EndpointPreference, normalizeUrl } from "./endpointPreference.js";
import { checkBaseUrl, domainErrorOf, noneServed, parsedAnswer, type Tried } from "./answers.js";
import { attemptReplica, type Attempt } from "./replicaAttempt.js";

/** Per-call knobs; every call has a deadline so no Docker request waits on a dead socket. */
export interface CallOptions {
  /** @default the client's `timeoutMs` */
  timeoutMs?: number;
  /** Cancels the call (the lease keeper's stop). */
  signal?: AbortSignal;
  /**
   * When every replica refused or answered 503 (a takeover: no leader for ~2 s), ask them
   * all again every 250 ms until the deadline instead of failing at once. @default true,
   * but for heartbeats (the lease keeper retries them itself).
   */
  untilDeadline?: boolean;
}

/**
 * One exchange of the contract: the request, and the schema its 2xx answer must fit
 * (none: a 204, whatever body comes is ignored).
 */
export interface Exchange<S extends z.ZodType | undefined> {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  answer: S;
  /** @default true; false for health, which needs no token */
  auth?: boolean;
  /** The long-poll wait the request carries, added to an attempt's budget. */
  waitMs?: number;
}

type Answer<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Pause between rounds of asking every replica while none leads. */
const roundPauseMs = 250;

/**
 * The controller's API as the agent uses it (api/contract.ts). Failures are core
 * SwarmvolErrors: the controller's own code and message, UNAVAILABLE when it cannot be
 * reached or did not answer in time, INTERNAL naming the replica when its answer does not
 * fit the contract's schema (api/schemas/bodies.ts).
 */
export interface ControllerApi {
  health(options?: CallOptions): Promise<HealthResponse>;
  listVolumes(options?: CallOptions, filters?: VolumeFilters): Promise<VolumeRecord[]>;
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
  /** One controller, like `http://10.213.0.11:7750`; a trailing slash is ignored. */
  baseUrl?: string;
  /**
   * Every controller replica's base URL, read at the start of each call (discovery may
   * change it between calls). Used after `baseUrl` when both are given.
   */
  endpoints?: () => readonly string[];
  /**
   * Sent as `Authorization: Bearer <token>` on every call but health: an agent's node token
   * (read when each call starts: a function that throws while the agent's token is not
   * checked yet, see NodeCredential), or the operator's secret.
   */
  token: string | (() => string);
  /** Deadline of one call, every replica it tries included. @default 5000 */
  timeoutMs?: number;
  /**
   * Most one attempt may take when there are several replicas, plus the long-poll `waitMs`
   * the call carries: a dead IP must not eat the whole deadline. @default 1000
   */
  attemptTimeoutMs?: number;
  /**
   * The same for a replica that could not be reached in the last 3 s (plus `waitMs`): a
   * LAN answers in milliseconds, so a short probe finds it back without waiting a full
   * attempt on a dead one. @default 300
   */
  suspectTimeoutMs?: number;
  /** Told when a call found no replica that serves (discovery then refreshes the list). */
  onAllFailed?: () => void;
  /** @default globalThis.fetch (tests may inject another) */
  fetch?: typeof fetch;
}



/** One call's fixed parts, shared by its rounds. */
interface CallState {
  path: string;
  answer: z.ZodType | undefined;
  options: CallOptions;
  waitMs: number;
  timeoutMs: number;
  endsAt: number;
  deadline: AbortSignal;
  init: RequestInit;
}

/**
 * A small JSON client over fetch for the controller's HTTP API, across the controller's
 * replicas: each call starts at the replica that last served (or that a standby named as
 * leader), and on a refused or reset connection, an attempt timeout or a 503 it tries the
 * next one at once, a standby's leader hint first, all within the call's one deadline.
 * Every POST of the contract may be repeated safely (create returns the existing volume,
 * claims and heartbeats renew, release is idempotent), and only the leader acts on any.
 */
export class ControllerClient implements ControllerApi {
  private readonly fixed: string | undefined;
  private readonly endpoints: (() => readonly string[]) | undefined;
  protected readonly token: string | (() => string);
  private readonly timeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly suspectTimeoutMs: number;
  protected readonly fetch: typeof fetch;
  protected readonly preference = new EndpointPreference();

  constructor(private readonly options: ControllerClientOptions) {
    this.fixed = options.baseUrl === undefined ? undefined : checkBaseUrl(options.baseUrl);
    this.endpoints = options.endpoints;
    if (this.fixed === undefined && this.endpoints === undefined) throw invalidArgument("the controller client needs a baseUrl or an endpoints list");
    if (options.token === "" || (typeof options.token !== "string" && typeof options.token !== "function")) {
      throw invalidArgument("missing controller token: an agent needs its node's token (`swarmvol token node NODE_ID`), an operator the controllers' secret");
    }
    this.token = options.token;
    this.timeoutMs = positiveMs(options.timeoutMs ?? 5000, "timeoutMs");
    this.attemptTimeoutMs = positiveMs(options.attemptTimeoutMs ?? 1000, "attemptTimeoutMs");
    this.suspectTimeoutMs = positiveMs(options.suspectTimeoutMs ?? 300, "suspectTimeoutMs");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The replica the next call asks first: the last one that served, else the first known. */
  get baseUrl(): string {
    return this.preference.current() ?? this.list()[0] ?? "(no controller known)";
  }

  async health(options?: CallOptions): Promise<HealthResponse> {
    return this.call({ method: "GET", path: apiPaths.health, answer: schemas.healthResponse, auth: false }, options);
  }

  /** Every volume, or those matching every filter given (core/volumeFilters.ts). */
  async listVolumes(options?: CallOptions, filters: VolumeFilters = {}): Promise<VolumeRecord[]> {
    const query = new URLSearchParams(Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString();
    return (await this.call({ method: "GET", path: `${apiPaths.volumes}${query === "" ? "" : `?${query}`}`, answer: schemas.volumeListResponse }, options)).volumes;
  }

  async getVolume(name: string, options?: CallOptions): Promise<VolumeRecord> {
    return (await this.call({ method: "GET", path: apiPaths.volume(name), answer: schemas.volumeResponse }, options)).volume;
  }

  async createVolume(request: CreateVolumeRequest, options?: CallOptions): Promise<VolumeRecord> {
    return (await this.call({ method: "POST", path: apiPaths.volumes, body: request, answer: schemas.volumeResponse }, options)).volume;
  }

  async removeVolume(name: string, options?: CallOptions): Promise<void> {
    await this.call({ method: "DELETE", path: apiPaths.volume(name), answer: undefined }, options);
  }

  async markFormatted(name: string, options?: CallOptions): Promise<VolumeRecord | undefined> {
    return (await this.call({ method: "POST", path: apiPaths.formatted(name), body: {}, answer: schemas.volumeResponse.optional() }, options))?.volume;
  }

  async claim(name: string, request: ClaimRequest, options?: CallOptions): Promise<ClaimResponse> {
    return this.call({ method: "POST", path: apiPaths.claim(name), body: request, answer: schemas.claimResponse, waitMs: request.waitMs ?? 0 }, options);
  }

  async release(name: string, request: ReleaseRequest, options?: CallOptions): Promise<void> {
    await this.call({ method: "POST", path: apiPaths.release(name), body: request, answer: undefined }, options);
  }

  async wanted(name: string, request: ReleaseRequest, options?: CallOptions): Promise<boolean> {
    return (await this.call({ method: "POST", path: apiPaths.wanted(name), body: request, answer: schemas.wantedResponse }, options)).wanted;
  }

  async heartbeat(nodeId: string, request: HeartbeatRequest, options?: CallOptions): Promise<HeartbeatResponse> {
    return this.call({ method: "POST", path: apiPaths.heartbeat(nodeId), body: request, answer: schemas.heartbeatResponse }, { untilDeadline: false, ...options });
  }

  /** Every replica known now, `baseUrl` first. */
  private list(): string[] {
    const all = [...(this.fixed === undefined ? [] : [this.fixed]), ...(this.endpoints?.() ?? [])];
    return [...new Set(all.map(normalizeUrl))];
  }

  /**
   * One request, replica after replica until one serves: JSON body out, JSON back parsed
   * by the exchange's schema (or nothing, for 204). The deadline covers the whole call, every attempt and body included;
   * with several replicas an attempt gets at most `attemptTimeoutMs + waitMs` (a suspect
   * one `suspectTimeoutMs + waitMs`); a lone replica gets the whole deadline.
   */
  protected async call<S extends z.ZodType | undefined>(exchange: Exchange<S>, options: CallOptions = {}): Promise<Answer<S>> {
    const { path, waitMs = 0 } = exchange;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const endsAt = performance.now() + timeoutMs;
    const init = this.requestInit(exchange.method, exchange.body, exchange.auth ?? true);
    const call: CallState = { path, answer: exchange.answer, options, waitMs, timeoutMs, endsAt, deadline: AbortSignal.timeout(Math.max(1, timeoutMs)), init };
    for (;;) {
      const round = await this.round(call);
      if (!Array.isArray(round)) return round.value as Answer<S>;
      const last = round[round.length - 1]?.attempt.kind;
      const again = options.untilDeadline !== false && last !== "cancelled" && last !== "deadline" && endsAt - performance.now() > roundPauseMs * 2;
      if (!again) {
        if (!options.signal?.aborted) this.options.onAllFailed?.();
        throw noneServed(path, round);
      }
      await new Promise((resolve) => setTimeout(resolve, roundPauseMs));
    }
  }

  /** Asks each replica once (a leader hint first): the answer, or what each one said. */
  private async round(call: CallState): Promise<{ value: unknown } | Tried[]> {
    const list = this.list();
    const queue = this.preference.order(list, performance.now());
    const several = queue.length > 1;
    const tried: Tried[] = [];
    const untried = (url: string) => !tried.some((entry) => entry.url === url);
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      if (!untried(url)) continue;
      const budget = several ? Math.min(call.endsAt - performance.now(), this.attemptBudget(url, call.waitMs)) : undefined;
      const attempt = await attemptReplica(this.fetch, `${url}${call.path}`, call.init, { deadline: call.deadline, budget, timeoutMs: call.timeoutMs, caller: call.options.signal });
      if (attempt.kind === "answer") {
        this.preference.answered(url);
        return { value: this.outcome(url, call, attempt) };
      }
      this.preference.failed(url, list);
      if (attempt.kind === "unreachable" || attempt.kind === "deadline") this.preference.unreachable(url, performance.now());
      tried.push({ url, attempt });
      if (attempt.kind === "cancelled" || attempt.kind === "deadline") break;
      if (attempt.kind === "unavailable" && attempt.leader !== undefined) {
        this.preference.hinted(attempt.leader);
        queue.unshift(attempt.leader);
      }
    }
    return tried;
  }

  private attemptBudget(url: string, waitMs: number): number {
    return (this.preference.suspect(url, performance.now()) ? this.suspectTimeoutMs : this.attemptTimeoutMs) + waitMs;
  }

  private requestInit(method: string, body: unknown, auth: boolean): RequestInit {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (auth) headers.Authorization = `Bearer ${typeof this.token === "function" ? this.token() : this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  }

  /** A 2xx parsed by the exchange's schema (INTERNAL naming the replica when it does not fit), else the controller's error. */
  private outcome(url: string, call: CallState, attempt: Extract<Attempt, { kind: "answer" }>): unknown {
    const { status, text } = attempt;
    if (status < 200 || status >= 300) throw domainErrorOf(status, call.path, text, url);
    return call.answer === undefined ? undefined : parsedAnswer(call.answer, text, call.path, url);
  }
}

function positiveMs(value: number, option: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw invalidArgument(`${option} must be a positive number of milliseconds, not ${String(value)}`);
  return value;
}
