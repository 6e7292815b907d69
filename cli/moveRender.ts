import type { MoveView } from "../api/moveContract.js";
import type { MoveTimeline } from "../core/volume.js";

/**
 * What `swarmvol move` prints while it follows a move. Pure: {@link MoveProgress} takes the
 * move as the controller answered it, each time, and returns only what is new since the
 * last call (a phase, a condition, the grant), so each is printed once, when it happens.
 * Two printers render it: {@link humanPrinter} (lines for a terminal) and, with `--json`,
 * {@link jsonPrinter}: NDJSON, one complete object per line, each with `phase` and
 * `seconds` (since the CLI asked for the move, when the line was written), the last line
 * `phase: "result"` with the move object the API answers (docs/api.md).
 */

const phases: ReadonlyArray<[keyof MoveTimeline, string]> = [
  ["t2Seen", "t2_seen"], ["t3Fenced", "t3_fenced"], ["t4Detached", "t4_detached"], ["t5Attached", "t5_attached"],
  ["t6Verified", "t6_verified"], ["t7Mounted", "t7_mounted"],
];

/** Something new about a move: a phase of its timeline reached (stamped at the source), a condition it waits on, the grant. */
export type MoveChange =
  | { phase: string; at: number; afterT2: number; forced?: true }
  | { phase: "waiting"; reason: string; message: string }
  | { phase: "granted"; node: string; hostname: string; epoch: number };

/** Finds what is new in a move since the last call. */
export class MoveProgress {
  private readonly seen = new Set<string>();
  private condition: string | undefined;
  private granted: string | undefined;

  changes(move: MoveView): MoveChange[] {
    const found: MoveChange[] = [];
    const timeline = move.lastMove?.toNode === move.toNode ? move.lastMove : undefined;
    for (const [key, phase] of phases) {
      const at = timeline?.[key];
      if (typeof at !== "number" || !timeline || this.seen.has(`${timeline.t2Seen}:${key}`)) continue;
      this.seen.add(`${timeline.t2Seen}:${key}`);
      found.push({ phase, at, afterT2: (at - timeline.t2Seen) / 1000, ...(key === "t3Fenced" && timeline.forced ? { forced: true as const } : {}) });
    }
    const condition = move.condition ? `${move.condition.reason}: ${move.condition.message}` : undefined;
    if (condition !== this.condition && move.condition) found.push({ phase: "waiting", reason: move.condition.reason, message: move.condition.message });
    this.condition = condition;
    const granted = move.grantedTo === undefined ? undefined : `${move.grantedTo}@${move.epoch}`;
    if (granted !== this.granted && move.grantedTo === move.toNode) found.push({ phase: "granted", node: move.toNode, hostname: move.toHostname, epoch: move.epoch });
    this.granted = granted;
    return found;
  }
}

/** How one `swarmvol move` prints: the start, each change as it comes, and the end (done, or given up). */
export interface MovePrinter {
  started(move: MoveView): string;
  changed(move: MoveView, changes: readonly MoveChange[]): string;
  /** The move got there (`followed`: the CLI followed it; false with --no-wait). */
  done(move: MoveView, followed: boolean): string;
  /** The move was given up or not there in time; the error follows on stderr. */
  gaveUp(move: MoveView): string;
}

const shortTime = (iso: string) => iso.replace(/\.\d+Z$/, "Z");

function humanChange(move: MoveView, change: MoveChange): string {
  if ("at" in change) return `  ${change.phase.replace("_", " ").padEnd(12)}+${change.afterT2.toFixed(2)}s${change.forced ? " (forced)" : ""}\n`;
  if (change.phase === "waiting") return `  waiting: ${change.reason}: ${change.message}\n`;
  return `  granted to ${move.toHostname} at epoch ${change.epoch}\n`;
}

/** The last line of a move that got there. */
function doneLine(move: MoveView): string {
  const timeline = move.lastMove?.toNode === move.toNode ? move.lastMove : undefined;
  const end = timeline?.t7Mounted ?? timeline?.t5Attached;
  const took = timeline && end !== undefined ? ` ${((end - timeline.t2Seen) / 1000).toFixed(1)} s after t2` : "";
  return move.state === "mounted"
    ? `${move.volume} is on ${move.toHostname}: attached, granted and mounted there${took}\n`
    : `${move.volume} is on ${move.toHostname}: attached and granted there${took}; the controller holds it there until ${shortTime(move.holdUntil)} unless a workload takes it\n`;
}

/** Lines for a terminal: what was asked, each phase `+s` after t2, conditions, the grant, where the volume is. */
export const humanPrinter: MovePrinter = {
  started(move) {
    const from = move.fromNode ? ` from ${move.fromNode}` : "";
    const lines = [`moving ${move.volume}${from} to ${move.toHostname} (${move.toNode}), move ${move.id}; held there until ${shortTime(move.holdUntil)}\n`];
    for (const service of move.services) {
      const was = service.removed.length > 0 ? ` (was ${service.removed.join(", ")})` : "";
      lines.push(service.added ? `service ${service.name} re-pinned: ${service.added}${was}\n` : `service ${service.name} already pinned to ${move.toHostname}\n`);
    }
    return lines.join("");
  },
  changed: (move, changes) => changes.map((change) => humanChange(move, change)).join(""),
  done: (move, followed) => (followed ? doneLine(move) : ""),
  gaveUp: () => "",
};

/** NDJSON; `elapsed()` is the seconds since the CLI asked for the move. */
export function jsonPrinter(elapsed: () => number): MovePrinter {
  const line = (phase: string, move: MoveView, fields: Record<string, unknown>) =>
    `${JSON.stringify({ phase, seconds: Math.round(elapsed() * 1000) / 1000, volume: move.volume, move: move.id, ...fields })}\n`;
  const result = (move: MoveView) => `${JSON.stringify({ phase: "result", seconds: Math.round(elapsed() * 1000) / 1000, ...move })}\n`;
  return {
    started: (move) => [
      line("requested", move, { toNode: move.toNode, toHostname: move.toHostname, ...(move.fromNode ? { fromNode: move.fromNode } : {}), holdUntil: move.holdUntil }),
      ...move.services.map((service) => line("service_updated", move, { service: service.name, ...(service.added ? { added: service.added } : {}), removed: service.removed })),
    ].join(""),
    changed: (move, changes) => changes.map(({ phase, ...fields }) => line(phase, move, "at" in fields ? { ...fields, at: new Date(fields.at).toISOString() } : fields)).join(""),
    done: result,
    gaveUp: result,
  };
}
