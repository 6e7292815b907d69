import { describe, expect, it } from "vitest";
import { stepDownReason } from "./elector.js";

describe("stepDownReason", () => {
  it.each<[boolean, boolean, string | undefined]>([
    [false, false, undefined],
    [true, false, "could not renew the lease in time"],
    [false, true, "another replica holds the lease"],
    [true, true, "another replica holds the lease"],
  ])("renewal late %s, held by another %s: %s", (late, another, reason) => {
    expect(stepDownReason(late, another)).toBe(reason);
  });
});
