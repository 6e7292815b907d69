import { describe, expect, it } from "vitest";
import { EndpointPreference, leaderHintUrl } from "./endpointPreference.js";

const [a, b, c] = ["http://10.0.0.1:7750", "http://10.0.0.2:7750", "http://10.0.0.3:7750"];

describe("EndpointPreference", () => {
  it("starts at the preferred URL and goes round the list from there", () => {
    const preference = new EndpointPreference();
    expect(preference.order([a, `${b}/`, b, c], 0)).toEqual([a, b, c]);
    preference.answered(b);
    expect(preference.order([a, b, c], 0)).toEqual([b, c, a]);
    preference.failed(b, [a, b, c]);
    expect(preference.order([a, b, c], 0)).toEqual([c, a, b]);
    preference.failed(a, [a, b, c]); // not the preferred one: nothing changes
    expect(preference.current()).toBe(c);
  });

  it("puts a hinted URL first even when it is not in the list", () => {
    const preference = new EndpointPreference();
    preference.hinted("http://10.0.0.9:7750/");
    expect(preference.order([a, b], 0)).toEqual(["http://10.0.0.9:7750", a, b]);
  });

  it("asks a URL that could not be reached last, for suspectMs, or until it answers", () => {
    const preference = new EndpointPreference(3000);
    preference.unreachable(a, 1000);
    expect([preference.order([a, b, c], 3999), preference.suspect(a, 3999)]).toEqual([[b, c, a], true]);
    expect(preference.order([a, b, c], 4000)).toEqual([a, b, c]);
    preference.unreachable(a, 5000);
    preference.answered(a);
    expect(preference.suspect(a, 5001)).toBe(false);
  });

  it("takes only http(s) URLs as leader hints", () => {
    expect(leaderHintUrl(" http://10.0.0.5:7750/ ")).toBe("http://10.0.0.5:7750");
    for (const bad of [undefined, null, "", "10.0.0.5:7750", "ftp://x", 7750]) expect(leaderHintUrl(bad)).toBeUndefined();
  });
});
