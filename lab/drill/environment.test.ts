import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { labLogFiles, stackScripts } from "./environment.js";

describe("drill environment", () => {
  it("finds the workload scripts, each a POSIX sh script", () => {
    for (const path of Object.values(stackScripts())) {
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, "utf8").startsWith("#!/bin/sh\n")).toBe(true);
    }
  });

  it("keeps the daemons' logs and the EC2 event log", () => {
    const files = labLogFiles("/lab", ["node1"]);
    expect(files).toContain("/lab/nodes/node1/agent.log");
    expect(files).toContain("/lab/nodes/node1/controller.log");
    expect(files).toContain("/lab/cloud/events.jsonl");
  });
});
