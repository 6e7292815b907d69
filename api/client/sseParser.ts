/**
 * The text/event-stream format as the HTML standard parses it: lines end in LF, CRLF or
 * CR; `field: value` (one optional space after the colon); several `data` lines join with
 * LF; a line starting with ":" is a comment; a blank line ends the frame. Chunks may split
 * anywhere, a CRLF included. Frames with neither data nor an event are comments only.
 */
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
    return done;
  }

  private line(line: string): SseFrame | undefined {
    if (line === "") return this.dispatch();
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
    return frame;
  }
}
