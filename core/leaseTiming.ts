/**
 * The clocks of fencing and how they must nest (ADR 0005, ADR 0010, ADR 0022). Pure: the
 * agent derives its renewal period from the lease the controller gives it, and the
 * controller refuses settings under which a leader crash would make every agent fence
 * itself.
 *
 * Defaults (ADR 0022): agent lease `T` = 3 s, fence grace `G` = 2 s (a dead node is
 * fenced 5 s after its last heartbeat), agent renewal `T/4` = 0.75 s (four tries a lease,
 * plus 250 ms retries after a failure), leader lease `D` = 1 s renewed every 0.25 s.
 */
import { invalidArgument } from "./errors.js";

/** The longest an agent waits between renewals, whatever its lease (the period before ADR 0022). */
export const maxAgentRenewMs = 2_000;

/**
 * How often an agent renews a lease of `ttlMs`: a quarter of it, at most `capMs`. Four
 * renewals per lease keep a lapse three missed heartbeats (plus their 250 ms retries) away,
 * and leave `3T/4` of lease when the leader dies just after answering.
 */
export function agentRenewMs(ttlMs: number, capMs = maxAgentRenewMs): number {
  return Math.max(1, Math.min(capMs, Math.floor(ttlMs / 4)));
}

/**
 * What an agent needs beyond the takeover itself to reach the new leader: one try of the
 * dead leader's address as a suspect (300 ms, api/client/apiClient.ts) and one 250 ms retry.
 * Its first try of that address may take a whole 1 s attempt, but it starts at the crash,
 * while the standby is still waiting out the leader lease.
 */
export const takeoverSlackMs = 550;

/** How often a standby reads the leader record (cli/controllerCommand.ts: at most 250 ms). */
export function leaderPollMs(leaderRenewMs: number): number {
  return Math.min(250, leaderRenewMs);
}

export interface LeaseTiming {
  leaseTtlMs: number;
  fenceGraceMs: number;
  leaderLeaseMs: number;
  leaderRenewMs: number;
}

/**
 * Refuses settings under which a crash of the leading replica lapses every agent's lease
 * (ADR 0022): after the crash an agent keeps at least `T − T/4` of lease, and a standby
 * leads after at most one poll plus the leader lease; the agent then needs the slack to
 * reach it. INVALID_ARGUMENT naming both ways out.
 */
export function checkLeaseTiming(timing: LeaseTiming): LeaseTiming {
  const { leaseTtlMs: ttl, leaderLeaseMs: lease, leaderRenewMs: renew } = timing;
  const left = ttl - agentRenewMs(ttl);
  const takeover = lease + leaderPollMs(renew) + takeoverSlackMs;
  if (takeover > left) {
    const neededTtl = Math.ceil((takeover * 4) / 3);
    throw invalidArgument(
      `--leader-lease-ms ${lease} is too long for --lease-ttl-ms ${ttl}: when the leader dies an agent keeps ${left} ms of lease `
      + `but a standby may need ${takeover} ms to lead and answer it, so every node would fence itself; `
      + `raise --lease-ttl-ms to at least ${neededTtl} or lower --leader-lease-ms to at most ${left - leaderPollMs(renew) - takeoverSlackMs}`,
      { leaseTtlMs: ttl, leaderLeaseMs: lease },
    );
  }
  return timing;
}
