import { describe, expect, it } from "vitest";
import { parseDrillArgs, SCENARIOS } from "./options.js";

describe("parseDrillArgs", () => {
  it("runs every scenario once on 4 nodes by default", () => {
    const options = parseDrillArgs([]);
    expect(options).toMatchObject({ scenarios: [...SCENARIOS], repeat: 1, jsonFile: null, ci: false, nodes: 4, keepLab: false, settleSeconds: 3 });
  });

  it("takes repeated and comma-separated scenarios, --flag=value and --ci", () => {
    const options = parseDrillArgs(["--scenario", "kill-db,partition", "--scenario=drain", "--repeat=20", "--ci", "--json", "/tmp/r.json"]);
    expect(options).toMatchObject({ scenarios: ["kill-db", "partition", "drain"], repeat: 20, ci: true, nodes: 3, jsonFile: "/tmp/r.json" });
  });

  it("answers help", () => {
    expect(parseDrillArgs(["--help"])).toEqual({ help: true });
  });

  it.each([
    [["--scenario", "kill-everything"], /unknown scenario "kill-everything"/],
    [["--repeat", "0"], /--repeat must be a whole number/],
    [["--nodes", "2"], /at least 3/],
    [["--dir", "relative"], /absolute path/],
    [["--json"], /needs a value/],
    [["extra"], /unknown argument extra/],
    [["--ci=yes"], /unknown argument/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseDrillArgs(argv)).toThrow(message);
  });
});
