import Docker from "dockerode";
import { realTimers, withDeadline } from "../core/clock.js";
import { invalidArgument, unavailable } from "../core/errors.js";
import type { Timers } from "../core/ports.js";

/** A dockerode client for `unix:///path` (the only kind of engine address swarmvol uses). */
export function dockerFor(host: string): Docker {
  if (!host.startsWith("unix://")) throw invalidArgument(`docker host must be unix:///path/to/docker.sock, got "${host}"`);
  return new Docker({ socketPath: host.slice("unix://".length), version: "v1.41" });
}

/** How long the daemons wait for the local engine's `GET /info` (node id, managers) before trying again. */
export const engineInfoTimeoutMs = 10_000;

/** dockerode's `info` takes options (the abort signal) at run time; its types say it takes none. */
export interface EngineInfoSource {
  info(options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * The local engine's `GET /info`, aborted and failed UNAVAILABLE after `ms`: the callers
 * retry it (node id at start, the managers every 30 s), and a dockerd that accepts and never
 * answers must cost one deadline per try, not the whole start.
 */
export function engineInfo(docker: Docker | EngineInfoSource, ms = engineInfoTimeoutMs, timers: Timers = realTimers): Promise<unknown> {
  const source = docker as unknown as EngineInfoSource;
  return withDeadline(timers, ms, () => unavailable(`the local Docker engine did not answer GET /info within ${ms} ms`, { timeoutMs: ms }), (abortSignal) => source.info({ abortSignal }));
}
