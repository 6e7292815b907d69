import { describe, it } from "vitest";
import { assertHeld, fuzzBudget, parametersFor } from "./budget.js";
import { commandLineProperties } from "./properties/commandLine.js";
import { nfsInputProperties } from "./properties/nfsInput.js";
import { swarmInputProperties } from "./properties/swarmInput.js";
import { volumeInputProperties } from "./properties/volumeInput.js";

const budget = fuzzBudget();

describe.each([
  ["volume input", volumeInputProperties],
  ["command line and environment", commandLineProperties],
  ["what Swarm sends back", swarmInputProperties],
  ["the nfs backend (exports, grants, mount options)", nfsInputProperties],
])("fuzz: parsers of %s", (_, properties) => {
  it.each(properties.map((property) => [property.name, property] as const))("%s", async (_name, property) => {
    assertHeld(await property.check(parametersFor(property, budget)));
  });
});
