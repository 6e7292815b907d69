import { afterEach, describe, expect, it, vi } from "vitest";
import * as drillModule from "./drillCommand.js";
import * as labModule from "./labCommand.js";
import { notInThisBuild, sourceOnlyCommand, sourceOnlyExports, type SourceOnlyModule, type SourceOnlyName } from "./sourceOnly.js";

// The compiler checks the real modules against the shape cli/sourceOnly.ts declares
// (tsconfig.check.json type-checks tests): a renamed export or a changed signature fails here.
const real: { [N in SourceOnlyName]: SourceOnlyModule<N> } = { lab: labModule, drill: drillModule };

/** The error Node's ESM loader throws for a missing file (as Node 20 words it). */
function missing(file: string, importedFrom = "cli/sourceOnly.js"): Error {
  return Object.assign(new Error(`Cannot find module '/opt/swarmvol/dist/${file}' imported from /opt/swarmvol/dist/${importedFrom}`), { code: "ERR_MODULE_NOT_FOUND" });
}

afterEach(() => vi.restoreAllMocks());

describe("lab and drill: loaded only when run, absent from the product build", () => {
  it("the real modules export what cli/sourceOnly.ts loads", () => {
    for (const name of Object.keys(sourceOnlyExports) as SourceOnlyName[]) {
      const exported = sourceOnlyExports[name];
      expect(typeof (real[name] as Record<string, unknown>)[exported], `${name}: ./${exported}.js`).toBe("function");
    }
  });

  it("in a source checkout, runs the real module (lab help)", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await sourceOnlyCommand("lab")(["help"])).toBe(0);
    expect(String(write.mock.calls[0]?.[0])).toContain("swarmvol lab");
  });

  it("asks for ./labCommand.js and ./drillCommand.js and passes the arguments on", async () => {
    const asked: string[] = [];
    const load = async (specifier: string) => {
      asked.push(specifier);
      return { labCommand: async (argv: string[]) => argv.length, drillCommand: async () => 7 };
    };
    expect(await sourceOnlyCommand("lab", load)(["up", "--nodes", "3"])).toBe(3);
    expect(await sourceOnlyCommand("drill", load)([])).toBe(7);
    expect(asked).toEqual(["./labCommand.js", "./drillCommand.js"]);
  });

  it("in a build without them: NOT_FOUND (exit 3) that says they run from a source checkout", async () => {
    const run = sourceOnlyCommand("drill", async () => { throw missing("cli/drillCommand.js"); });
    await expect(run(["--ci"])).rejects.toMatchObject({ code: "NOT_FOUND", message: notInThisBuild("drill") });
    expect(notInThisBuild("drill")).toContain("`swarmvol drill` is not in this build");
    expect(notInThisBuild("drill")).toContain("`npm ci && npm run drill`");
  });

  it("another module missing (a broken checkout) is not mistaken for a product build", async () => {
    const broken = missing("lab/cluster/args.js", "cli/labCommand.js");
    await expect(sourceOnlyCommand("lab", async () => { throw broken; })(["up"])).rejects.toBe(broken);
    const other = new Error("SyntaxError in labCommand.js");
    await expect(sourceOnlyCommand("lab", async () => { throw other; })(["up"])).rejects.toBe(other);
  });
});
