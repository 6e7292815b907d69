import { pino, destination } from "pino";
import type { Clock, Logger } from "../core/ports.js";
import type { LogLevel } from "../core/config.js";

/** The real clock: wall time and timers. Tests inject fakes instead. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    }),
};

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(level: LogLevel, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, destination(2));
}
