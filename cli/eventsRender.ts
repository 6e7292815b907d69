import type { SwarmvolEvent } from "../core/events.js";

/**
 * What `swarmvol events` prints: one line per event, for people a fixed-width line (a
 * stream cannot size its columns on rows still to come), for scripts (`--json`) the
 * event's own JSON on one line. Pure; every line ends in "\n"; empty cells print "-".
 */

const typeWidth = "condition.changed".length;
const volumeWidth = 16;
const nodeWidth = 12;

/** TIME TYPE VOLUME NODE MESSAGE; the time to the second, in UTC like the API's. */
export function renderEvent(event: SwarmvolEvent): string {
  const time = event.time.replace(/\.\d+Z$/, "Z");
  const cells = [time, event.type.padEnd(typeWidth), (event.volume ?? "-").padEnd(volumeWidth), (event.node ?? "-").padEnd(nodeWidth), event.message];
  return `${cells.join("  ")}\n`;
}

export function renderEventJson(event: SwarmvolEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** The header printed above human lines (never in `--json`). */
export function eventsHeader(): string {
  return `${["TIME".padEnd(20), "TYPE".padEnd(typeWidth), "VOLUME".padEnd(volumeWidth), "NODE".padEnd(nodeWidth), "MESSAGE"].join("  ")}\n`;
}
