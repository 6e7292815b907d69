import { describe, expect, it } from "vitest";
import { movesVolume, parseDrillArgs, REPLICA_SCENARIOS, SCENARIOS, ZONE_SCENARIOS } from "./options.js";

describe("parseDrillArgs", () => {
  it("runs every scenario once on 3 managers and 2 workers in one zone by default (no cross-zone), the replica scenarios last", () => {
    const options = parseDrillArgs([]);
    expect(options).toMatchObject({ repeat: 1, jsonFile: null, ci: false, nodes: 5, managers: 3, zones: 1, keepLab: false, settleSeconds: 3, dispatcherHeartbeatSeconds: null });
    expect("scenarios" in options && options.scenarios).toEqual(SCENARIOS.filter((s) => !ZONE_SCENARIOS.includes(s)));
    expect(SCENARIOS.slice(-2)).toEqual(["kill-leader", "upgrade-controllers"]);
    expect(SCENARIOS.filter(movesVolume)).toEqual(["kill-db", "kill-jenkins", "restart-dockerd", "partition", "kill-controller", "drain", "update", "frozen-agent", "cross-zone"]);
  });

  it("with --zones 2 runs cross-zone too, and takes it when asked", () => {
    expect(parseDrillArgs(["--zones", "2"])).toMatchObject({ zones: 2, scenarios: [...SCENARIOS] });
    expect(parseDrillArgs(["--ci", "--zones=2", "--scenario", "cross-zone"])).toMatchObject({ zones: 2, scenarios: ["cross-zone"], nodes: 3 });
    expect(parseDrillArgs(["--managers", "1", "--zones", "2", "--scenario", "cross-zone", "--ci"])).toMatchObject({ managers: 1, nodes: 3, zones: 2, ci: true, scenarios: ["cross-zone"] });
  });

  it("leaves cross-zone out when a worker shares its zone with another (a drain could stay in the zone), and refuses it when asked", () => {
    const options = parseDrillArgs(["--managers", "1", "--nodes", "4", "--zones", "2"]);
    expect("scenarios" in options && options.scenarios).toEqual(SCENARIOS.filter((s) => !REPLICA_SCENARIOS.includes(s) && !ZONE_SCENARIOS.includes(s)));
    expect(() => parseDrillArgs(["--managers", "1", "--nodes", "4", "--zones", "2", "--scenario", "cross-zone"]))
      .toThrow(/scenario cross-zone drains the database's node and needs one worker per zone: use at most --nodes 3 with --managers 1 --zones 2/);
    expect(parseDrillArgs(["--managers", "1", "--nodes", "4", "--zones", "3", "--scenario", "cross-zone"])).toMatchObject({ nodes: 4, zones: 3, scenarios: ["cross-zone"] });
  });

  it("takes repeated and comma-separated scenarios, --flag=value and --ci (1 manager, 3 nodes)", () => {
    const options = parseDrillArgs(["--scenario", "kill-db,partition", "--scenario=drain", "--repeat=20", "--ci", "--json", "/tmp/r.json"]);
    expect(options).toMatchObject({ scenarios: ["kill-db", "partition", "drain"], repeat: 20, ci: true, nodes: 3, managers: 1, jsonFile: "/tmp/r.json" });
  });

  it("takes Swarm's dispatcher heartbeat in whole seconds", () => {
    expect(parseDrillArgs(["--scenario", "kill-db", "--dispatcher-heartbeat", "2"])).toMatchObject({ dispatcherHeartbeatSeconds: 2 });
    expect(() => parseDrillArgs(["--dispatcher-heartbeat", "2s"])).toThrow(/--dispatcher-heartbeat must be a whole number from 1 to 60/);
    expect(() => parseDrillArgs(["--crash-points", "--dispatcher-heartbeat", "2"])).toThrow(/leave out --dispatcher-heartbeat/);
  });

  it("with one manager leaves the replica scenarios out of the default run", () => {
    const options = parseDrillArgs(["--managers", "1"]);
    expect(options).toMatchObject({ managers: 1, nodes: 3 });
    expect("scenarios" in options && options.scenarios).toEqual([...SCENARIOS].filter((s) => !REPLICA_SCENARIOS.includes(s) && !ZONE_SCENARIOS.includes(s)));
    expect(parseDrillArgs(["--managers", "3", "--nodes", "6", "--ci"])).toMatchObject({ managers: 3, nodes: 6, ci: true });
  });

  it("takes --cloud-faults, and --soak with --seed and --results (also with --ci: one manager)", () => {
    expect(parseDrillArgs([])).toMatchObject({ cloudFaults: false, soak: null, seed: null, resultsFile: null });
    expect(parseDrillArgs(["--cloud-faults", "--scenario", "drain"])).toMatchObject({ cloudFaults: true, scenarios: ["drain"] });
    expect(parseDrillArgs(["--soak", "5", "--ci"])).toMatchObject({ soak: 5, seed: null, ci: true, managers: 1 });
    expect(parseDrillArgs(["--soak=20", "--seed", "0", "--results", "bench/results.json", "--cloud-faults"]))
      .toMatchObject({ soak: 20, seed: 0, resultsFile: "bench/results.json", cloudFaults: true });
  });

  it("takes --crash-points (its own lab: 4 nodes, 2 controller replicas), with --ci, --json, --keep-lab and the dirs", () => {
    expect(parseDrillArgs([])).toMatchObject({ crashPoints: false });
    expect(parseDrillArgs(["--crash-points", "--ci", "--json", "/tmp/c.json", "--keep-lab"]))
      .toMatchObject({ crashPoints: true, ci: true, jsonFile: "/tmp/c.json", keepLab: true, nodes: 4, managers: 2 });
    expect(parseDrillArgs(["--crash-points"])).toMatchObject({ crashPoints: true, ci: false, nodes: 4, managers: 2 });
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
    [["--managers", "3", "--nodes", "4"], /at least two workers/],
    [["--ci", "--scenario", "kill-leader"], /needs at least 2 controller replicas/],
    [["--managers", "0"], /--managers must be a whole number/],
    [["--soak", "0"], /--soak must be a whole number from 1/],
    [["--soak", "3", "--scenario", "kill-db"], /--soak draws its own faults: leave out --scenario/],
    [["--soak", "3", "--repeat", "2"], /leave out --repeat/],
    [["--seed", "7"], /--seed only applies to --soak/],
    [["--results", "r.json"], /--results only applies to --soak/],
    [["--soak", "3", "--seed", "-1"], /--seed must be a whole number from 0/],
    [["--cloud-faults=yes"], /unknown argument/],
    [["--crash-points", "--scenario", "kill-db"], /--crash-points runs its own flows .*leave out --scenario/],
    [["--crash-points", "--soak", "2"], /leave out --soak/],
    [["--crash-points", "--managers", "3"], /leave out --managers/],
    [["--crash-points", "--cloud-faults"], /leave out --cloud-faults/],
    [["--scenario", "cross-zone"], /scenario cross-zone needs the lab in two availability zones: use --zones 2/],
    [["--zones", "0"], /--zones must be a whole number from 1 to 6/],
    [["--crash-points", "--zones", "2"], /leave out --zones/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseDrillArgs(argv)).toThrow(message);
  });
});
