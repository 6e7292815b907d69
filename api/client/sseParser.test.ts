import { describe, expect, it } from "vitest";
import { SseParser } from "./sseParser.js";

describe("SseParser", () => {
  it("parses frames split anywhere, CRLF and CR included, joining data lines", () => {
    const text = "id: 1-1\r\nevent: move.done\r\ndata: {\"a\":1}\r\n\r\n: heartbeat\n\nid:1-2\rdata: x\rdata:y\r\r\n";
    const parser = new SseParser();
    const frames = [...text].flatMap((char) => parser.push(char));
    expect(frames).toEqual([
      { id: "1-1", event: "move.done", data: "{\"a\":1}", comments: [] },
      { comments: ["heartbeat"] },
      { id: "1-2", data: "x\ny", comments: [] },
    ]);
  });
});
