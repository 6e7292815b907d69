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

describe("SseParser bounds", () => {
  it("refuses a line that never ends, and a frame that never ends, past maxFrameChars", () => {
    const line = new SseParser(100);
    expect(line.push("data: " + "x".repeat(90))).toEqual([]);
    expect(() => line.push("x".repeat(20))).toThrow(expect.objectContaining({ code: "LIMIT_EXCEEDED" }));
    const frame = new SseParser(100);
    for (let n = 0; n < 9; n += 1) frame.push("data: xxxx\n");
    expect(() => frame.push(": comment\n: comment\n")).toThrow(expect.objectContaining({ code: "LIMIT_EXCEEDED" }));
    expect(new SseParser(100).push("data: x\n\n".repeat(50))).toHaveLength(50);
  });
});
