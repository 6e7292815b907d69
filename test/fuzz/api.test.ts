import { describe, it } from "vitest";
import { assertHeld, fuzzBudget, parametersFor } from "./budget.js";
import { apiSurfaceProperties } from "./properties/apiSurface.js";

const budget = fuzzBudget();

describe("fuzz: the controller API", () => {
  it.each(apiSurfaceProperties.map((property) => [property.name, property] as const))("%s", async (_name, property) => {
    assertHeld(await property.check(parametersFor(property, budget)));
  }, 120_000);
});
