import { pino, destination } from "pino";
import type { Logger } from "../core/ports.js";
import type { LogLevel } from "../core/config.js";

export { systemClock } from "../core/clock.js";

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(level: LogLevel, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, destination(2));
}
