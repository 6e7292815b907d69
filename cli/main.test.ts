import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Logger } from "../core/ports.js";

let guardDaemon: typeof import("./main.js").guardDaemon;
const argv = process.argv;

beforeAll(async () => {
  // main.ts runs its command on import: make that `version` and keep it from exiting.
  process.argv = [argv[0] ?? "node", "swarmvol", "version"];
  vi.spyOn(process, "exit").mockImplementation((() => undefined) as typeof process.exit);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  ({ guardDaemon } = await import("./main.js"));
  await new Promise((resolve) => setImmediate(resolve));
});
afterAll(() => {
  process.argv = argv;
  vi.restoreAllMocks();
});

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const proc = { on: emitter.on.bind(emitter), exit: (code?: number) => void exits.push(code ?? 0) } as unknown as Pick<NodeJS.Process, "on" | "exit">;
  return { emitter, exits, proc };
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => {}, info: () => {}, warn: () => {},
    error: (obj, msg) => lines.push(`${msg} ${(obj as { err: string }).err.split("\n")[0]}`),
    child: () => logger,
  };
  return logger;
}

describe("daemon process guard", () => {
  it("logs an unhandled rejection and keeps running", () => {
    const { emitter, exits, proc } = fakeProcess();
    const lines: string[] = [];
    guardDaemon(proc, () => recordingLogger(lines));
    emitter.emit("unhandledRejection", new Error("nobody awaited me"), Promise.resolve());
    expect(lines).toEqual(["unhandled promise rejection; the daemon keeps running Error: nobody awaited me"]);
    expect(exits).toEqual([]);
  });

  it("logs an uncaught exception and exits 1", () => {
    const { emitter, exits, proc } = fakeProcess();
    const lines: string[] = [];
    guardDaemon(proc, () => recordingLogger(lines));
    emitter.emit("uncaughtException", new TypeError("boom"));
    expect(lines).toEqual(["uncaught exception; the daemon exits TypeError: boom"]);
    expect(exits).toEqual([1]);
  });

  it("falls back to console.error before a logger exists", () => {
    const { emitter, proc } = fakeProcess();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    guardDaemon(proc, () => undefined);
    emitter.emit("unhandledRejection", "plain reason");
    expect(errors).toHaveBeenCalledWith("swarmvol: unhandled promise rejection; the daemon keeps running: plain reason");
  });
});
