import { describe, expect, it } from "vitest";
import { newTask, newTaskVolume } from "../test/fixtures/swarm.js";
import { declaredOptions, taskWants } from "./wants.js";

const byDriver = newTask({ id: "t-driver", nodeId: "n1", volumes: [newTaskVolume("pgdata")] });
const external = newTask({ id: "t-external", nodeId: "n2", volumes: [newTaskVolume("pgdata", { driver: "unnamed" })] });
const elsewhere = newTask({ id: "t-other", nodeId: "n3", volumes: [newTaskVolume("cache", { driver: "unnamed" })] });

describe("taskWants: driverless mounts resolved by name against the catalog", () => {
  const cases: Array<{ what: string; tasks: typeof byDriver[]; inCatalog: boolean; wants: string[] }> = [
    { what: "a driver mount wants the volume", tasks: [byDriver], inCatalog: true, wants: ["t-driver"] },
    { what: "an external (driverless) mount of a catalog volume wants it exactly like a driver mount", tasks: [external], inCatalog: true, wants: ["t-external"] },
    { what: "a driverless mount of a name the catalog lacks is another driver's: no want", tasks: [external], inCatalog: false, wants: [] },
    { what: "a driver mount wants it even before the catalog knows it", tasks: [byDriver], inCatalog: false, wants: ["t-driver"] },
    { what: "both kinds side by side, each a want", tasks: [byDriver, external], inCatalog: true, wants: ["t-driver", "t-external"] },
    { what: "a task mounting another name is not a want", tasks: [elsewhere], inCatalog: true, wants: [] },
  ];
  for (const { what, tasks, inCatalog, wants } of cases) {
    it(what, () => {
      expect(taskWants("pgdata", tasks, inCatalog).map((want) => want.ref)).toEqual(wants);
    });
  }

  it("the catalog learning the volume after the task turns the same task into a want", () => {
    expect(taskWants("pgdata", [external], false)).toEqual([]);
    expect(taskWants("pgdata", [external], true)).toEqual([{ nodeId: "n2", source: "task", since: Date.parse(external.updatedAt), ref: "t-external" }]);
  });

  it("keeps only placed tasks desired running or ready and not finished", () => {
    const tasks = [
      newTask({ id: "unplaced", nodeId: undefined, volumes: external.volumes }),
      newTask({ id: "stopping", desiredState: "shutdown", volumes: external.volumes }),
      newTask({ id: "failed", state: "failed", volumes: external.volumes }),
      newTask({ id: "ready", desiredState: "ready", state: "ready", volumes: external.volumes }),
    ];
    expect(taskWants("pgdata", tasks, true).map((want) => want.ref)).toEqual(["ready"]);
  });
});

describe("declaredOptions: what a placed task's swarmvol mount asks of a volume nobody created yet", () => {
  const task = (id: string, options: Record<string, string>, extra: Parameters<typeof newTask>[0] = {}) =>
    newTask({ id, volumes: [newTaskVolume("v", { options })], ...extra });
  it.each([
    ["one placed task", [task("a", { size: "1" })], { size: "1" }],
    ["tasks that agree, in any key order", [task("a", { size: "1", type: "gp3" }), task("b", { type: "gp3", size: "1" })], { size: "1", type: "gp3" }],
    ["tasks that disagree", [task("a", { size: "1" }), task("b", { size: "2" })], undefined],
    ["no node assigned yet", [task("a", { size: "1" }, { nodeId: undefined })], undefined],
    ["a task told to stop", [task("a", { size: "1" }, { desiredState: "shutdown" })], undefined],
    ["a finished task", [task("a", { size: "1" }, { state: "failed" })], undefined],
    ["a driverless mount (external: true)", [newTask({ volumes: [newTaskVolume("v", { driver: "unnamed", options: { size: "1" } })] })], undefined],
    ["another volume's mount", [newTask({ volumes: [newTaskVolume("w", { options: { size: "1" } })] })], undefined],
  ])("%s", (_case, tasks, expected) => {
    expect(declaredOptions("v", tasks)).toEqual(expected);
  });
});
