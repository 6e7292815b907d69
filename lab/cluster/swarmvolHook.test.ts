import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readTokenFile, writeTokenFile } from "./swarmvolHook.js";

describe("writeTokenFile", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("writes the token 0600, narrowing a file left with wider permissions", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-token-"));
    const tokenFile = join(dir, "swarmvol.token");
    await writeFile(tokenFile, "old\n", { mode: 0o644 });
    await writeTokenFile({ token: "t0k3n", tokenFile, logLevel: "info", fastCloud: false, controllerUrl: "http://10.213.0.11:7750", controllerPid: null });
    expect(await readFile(tokenFile, "utf8")).toBe("t0k3n\n");
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readTokenFile({ tokenFile })).toBe("t0k3n");
  });
});
