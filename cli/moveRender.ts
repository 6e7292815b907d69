import type { MoveView } from "../api/moveContract.js";
import type { MoveTimeline } from "../core/volume.js";

/**
 * What `swarmvol move` prints while it follows a move (its `--json` prints the API's move
 * object instead). Pure: each call of `lines()` takes the move as the controller answered
 * it and returns only what is new since the last call, every line ending in "\n", so a
 * phase, a condition or a grant is printed once, when it happens.
 */

const phases: ReadonlyArray<[keyof MoveTimeline, string]> = [
  ["t2Seen", "t2 seen"], ["t3Fenced", "t3 fenced"], ["t4Detached", "t4 detached"], ["t5Attached", "t5 attached"],
  ["t6Verified", "t6 verified"], ["t7Mounted", "t7 mounted"],
];

/** The move's first line: what was asked and for how long the controller holds the volume there. */
export function moveHeadline(move: MoveView): string {
  const from = move.fromNode ? ` from ${move.fromNode}` : "";
  const lines = [`moving ${move.volume}${from} to ${move.toHostname} (${move.toNode}), move ${move.id}; held there until ${move.holdUntil.replace(/\.\d+Z$/, "Z")}\n`];
  for (const service of move.services) {
    const was = service.removed.length > 0 ? ` (was ${service.removed.join(", ")})` : "";
    lines.push(service.added ? `service ${service.name} re-pinned: ${service.added}${was}\n` : `service ${service.name} already pinned to ${move.toHostname}\n`);
  }
  return lines.join("");
}

/** Prints a move's progress once per change. */
export class MoveProgress {
  private readonly printed = new Set<string>();
  private condition: string | undefined;
  private granted: string | undefined;

  /** What is new in `move` since the last call. */
  lines(move: MoveView): string {
    let text = "";
    const timeline = move.lastMove?.toNode === move.toNode ? move.lastMove : undefined;
    for (const [key, label] of phases) {
      const at = timeline?.[key];
      if (typeof at !== "number" || !timeline || this.printed.has(`${timeline.t2Seen}:${key}`)) continue;
      this.printed.add(`${timeline.t2Seen}:${key}`);
      text += `  ${label.padEnd(12)}+${((at - timeline.t2Seen) / 1000).toFixed(2)}s${key === "t3Fenced" && timeline.forced ? " (forced)" : ""}\n`;
    }
    const condition = move.condition ? `${move.condition.reason}: ${move.condition.message}` : undefined;
    if (condition !== this.condition) {
      if (condition) text += `  waiting: ${condition}\n`;
      this.condition = condition;
    }
    const granted = move.grantedTo === undefined ? undefined : `${move.grantedTo}@${move.epoch}`;
    if (granted !== this.granted && move.grantedTo === move.toNode) text += `  granted to ${move.toHostname} at epoch ${move.epoch}\n`;
    this.granted = granted;
    return text;
  }
}

/** The last line of a move that got there. */
export function moveDone(move: MoveView): string {
  const timeline = move.lastMove?.toNode === move.toNode ? move.lastMove : undefined;
  const end = timeline?.t7Mounted ?? timeline?.t5Attached;
  const took = timeline && end !== undefined ? ` ${((end - timeline.t2Seen) / 1000).toFixed(1)} s after t2` : "";
  return move.state === "mounted"
    ? `${move.volume} is on ${move.toHostname}: attached, granted and mounted there${took}\n`
    : `${move.volume} is on ${move.toHostname}: attached and granted there${took}; the controller holds it there until ${move.holdUntil.replace(/\.\d+Z$/, "Z")} unless a workload takes it\n`;
}
