/**
 * `--cloud-faults`: during a run the EC2 emulator behaves like a loaded region having a bad
 * day (docs/drill.md "Cloud faults"). The profile goes on right after t0, through the
 * emulator's admin route POST /_swarmvol/faults, and comes off once the move was measured
 * (before the lab is put back), restoring exactly the knobs the lab had before: a
 * `{"reset": true}` alone would bring back AWS-like latencies on a `--ci` lab.
 *
 * The run must still pass: the controller converges through retries (throttling, 5xx),
 * idempotent replays (a lost AttachVolume answer is retried and adopted on VolumeInUse),
 * the stuck-attach abort and the forced stuck detach, and no volume is ever held by two
 * instances (doubleAttach.ts).
 */
import type { CloudEvent, Faults, FaultsPatch } from "../cloud/index.js";
import type { LabState } from "../cluster/index.js";
import { httpExchange } from "./jenkinsClient.js";

/** The profile of issue 13. Rates are per request; the two `stick` counters are spent once each. */
export const CLOUD_FAULT_PROFILE: Readonly<FaultsPatch> = {
  throttleRate: 0.2,
  serverErrorRate: 0.1,
  lostResponseRate: 0.1,
  lostResponseMode: "mixed",
  stickNextAttach: 1,
  stickNextDetach: 1,
  describeLatencyMs: 800,
  actions: [],
};

export const CLOUD_FAULT_SUMMARY =
  "20 % throttled, 10 % 5xx, 10 % of mutations' answers lost, 1 stuck attach, 1 stuck detach, Describe* +800 ms";

/**
 * Extra time a move may take under the profile: on EBS-like settings a stuck attach is
 * given up after 90 s and a stuck detach forced after 90 s more (5 s each on `--ci`).
 */
export const CLOUD_FAULT_EXTRA_WAIT_MS = 120_000;

/** The patch that puts back `before` whatever the profile changed or spent. Pure. */
export function restorePatch(before: Faults): FaultsPatch {
  return { reset: true, ...before, latencyMs: { ...before.latencyMs }, actions: [...before.actions] };
}

/** What the profile did, in words, from the knobs left and the emulator's events since it went on. Pure. */
export function describeCloudFaults(left: Pick<Faults, "stickNextAttach" | "stickNextDetach">, events: readonly CloudEvent[]): string {
  const count = (type: CloudEvent["type"], detail: string) => events.filter((e) => e.type === type && e.detail === detail).length;
  const stuckAttaches = count("attach-requested", "stuck");
  const stuckDetaches = count("detach-requested", "stuck");
  const forced = count("detach-requested", "force");
  const unspent = [left.stickNextAttach > 0 ? "the stuck attach" : "", left.stickNextDetach > 0 ? "the stuck detach" : ""].filter((s) => s !== "");
  return `cloud faults off: ${stuckAttaches} attach stuck, ${stuckDetaches} detach stuck, ${forced} forced detaches requested` +
    (unspent.length > 0 ? `; ${unspent.join(" and ")} not used (no such call while the profile was on)` : "");
}

async function adminJson(state: LabState, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  if (state.cloud.endpoint === null) throw new Error("the lab runs no EC2 emulator: --cloud-faults needs one");
  const url = `${state.cloud.endpoint}/_swarmvol/${path}`;
  const answer = await httpExchange(method, url, body === undefined ? undefined : JSON.stringify(body), 5_000);
  if (answer.status !== 200) throw new Error(`${method} ${url}: HTTP ${answer.status} ${answer.body.trim()}`);
  return JSON.parse(answer.body) as unknown;
}

/** The emulator's highest event seq now (0 for an empty log). */
export async function cloudLogSeq(state: LabState): Promise<number> {
  const log = (await adminJson(state, "GET", "log")) as { events: CloudEvent[] };
  return log.events.at(-1)?.seq ?? 0;
}

export interface CloudFaultsOn {
  /** Restores the knobs from before; resolves with a note on what happened. Idempotent. */
  end(): Promise<string>;
}

/** Turns the profile on; `end()` turns it off again (call it also when the run failed). */
export async function startCloudFaults(state: LabState): Promise<CloudFaultsOn> {
  const before = (await adminJson(state, "GET", "faults")) as Faults;
  const sinceSeq = await cloudLogSeq(state);
  await adminJson(state, "POST", "faults", CLOUD_FAULT_PROFILE);
  let ended: Promise<string> | null = null;
  return {
    end: () => (ended ??= (async () => {
      const left = (await adminJson(state, "GET", "faults")) as Faults;
      await adminJson(state, "POST", "faults", restorePatch(before));
      const log = (await adminJson(state, "GET", `log?since=${sinceSeq}`)) as { events: CloudEvent[] };
      return describeCloudFaults(left, log.events);
    })()),
  };
}
