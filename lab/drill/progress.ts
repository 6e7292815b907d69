/**
 * The live progress display on stderr: one status line rewritten in place on a terminal,
 * or a line every few seconds when stderr is a file or a CI log. Messages (`note`) are
 * printed on their own lines and never overwritten. Formatting is pure and exported.
 */
import type { Logger } from "../../core/ports.js";
import type { WriterStats } from "./writer.js";

export interface ProgressSnapshot {
  label: string;
  elapsedMs: number;
  waitingFor: string;
  db: { node: string | null; stats: WriterStats };
  jenkins: { node: string | null; stats: WriterStats };
}

/** "[kill-db #1] +12.3 s waiting for …  db@node3 1234 acked/5 failed  jenkins@node2 …" */
export function formatProgress(s: ProgressSnapshot): string {
  const side = (name: string, x: { node: string | null; stats: WriterStats }) =>
    `${name}@${x.node ?? "?"} ${x.stats.acked} acked/${x.stats.failed} failed`;
  return `[${s.label}] +${(s.elapsedMs / 1000).toFixed(1)} s ${s.waitingFor} | ${side("db", s.db)} | ${side("jenkins", s.jenkins)}`;
}

export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  private lastLineAt = 0;
  private open = false;

  constructor(private readonly sink: ProgressSink, private readonly now: () => number, private readonly plainEveryMs = 5_000) {}

  /** Replaces the status line (terminal) or prints it at most every `plainEveryMs` (log). */
  update(line: string): void {
    if (this.sink.isTTY === true) {
      this.sink.write(`\r\x1b[K${line.slice(0, 200)}`);
      this.open = true;
    } else if (this.now() - this.lastLineAt >= this.plainEveryMs) {
      this.sink.write(`${line}\n`);
      this.lastLineAt = this.now();
    }
  }

  /** A message on its own line (the status line, if any, is redrawn by the next update). */
  note(message: string): void {
    this.clear();
    this.sink.write(`${message}\n`);
  }

  clear(): void {
    if (this.open) this.sink.write("\r\x1b[K");
    this.open = false;
  }
}

/** Progress-style logger for the lab's own messages during `up` (the drill's and the crash-points run's). */
export function labLogger(progress: Progress): Logger {
  const write = (level: string) => (obj: object, msg: string) => progress.note(`[lab] ${level} ${msg} ${JSON.stringify(obj)}`);
  const logger: Logger = { debug: () => {}, info: write("info"), warn: write("warn"), error: write("error"), child: () => logger };
  return logger;
}
