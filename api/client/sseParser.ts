/**
 * The text/event-stream format as the HTML standard parses it: lines end in LF, CRLF or
 * CR; `field: value` (one optional space after the colon); several `data` lines join with
 * LF; a line starting with ":" is a comment; a blank line ends the frame. Chunks may split
 * anywhere, a CRLF included. Frames with neither data nor an event are comments only.
 *
 * Bounded: a line, or a frame's data and comments, longer than `maxFrameChars` (1 MiB by
 * default; swarmvol's events are a few hundred bytes) throws LIMIT_EXCEEDED rather than
 * grow without end on a stream that never ends its line or its frame.
 */
import { limitExceeded } from "../../core/errors.js";

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines of the frame (`: heartbeat`), without the colon. */
  comments: string[];
}

export class SseParser {
  private buffer = "";
  private frame: SseFrame = { comments: [] };
  private data: string[] = [];
  /** Characters of data and comments in the frame being read. */
  private held = 0;

  constructor(private readonly maxFrameChars = 1024 * 1024) {}

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const done: SseFrame[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/);
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (end < 0 || (this.buffer[end] === "\r" && end === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith("\r\n", end) ? 2 : 1));
      const frame = this.line(line);
      if (frame) done.push(frame);
    }
    if (this.buffer.length > this.maxFrameChars) throw this.tooLong("a line");
    return done;
  }

  private line(line: string): SseFrame | undefined {
    if (line === "") return this.dispatch();
    this.held += line.length;
    if (this.held > this.maxFrameChars) throw this.tooLong("an event");
    if (line.startsWith(":")) {
      this.frame.comments.push(line.slice(1).trimStart());
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.frame.event = value;
    else if (field === "id" && !value.includes("\0")) this.frame.id = value;
    return undefined;
  }

  private dispatch(): SseFrame {
    const frame = this.data.length > 0 ? { ...this.frame, data: this.data.join("\n") } : this.frame;
    this.frame = { comments: [] };
    this.data = [];
    this.held = 0;
    return frame;
  }

  private tooLong(what: string): Error {
    return limitExceeded(`${what} of the event stream is over ${this.maxFrameChars} characters; this is not a swarmvol event stream, or it is broken`, { maxFrameChars: this.maxFrameChars });
  }
}
