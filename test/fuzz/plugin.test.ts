import { describe, it } from "vitest";
import { assertHeld, fuzzBudget, parametersFor } from "./budget.js";
import { pluginSurfaceProperties } from "./properties/pluginSurface.js";

const budget = fuzzBudget();

describe("fuzz: the plugin's Unix socket", () => {
  it.each(pluginSurfaceProperties.map((property) => [property.name, property] as const))("%s", async (_name, property) => {
    assertHeld(await property.check(parametersFor(property, budget)));
  }, 120_000);
});
