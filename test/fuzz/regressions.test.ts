/**
 * The fuzzer's shrunk counterexamples, kept as plain examples so each bug stays fixed even
 * when the fuzz budget or seed changes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDaemonConfig, parseFlags, parseListen } from "../../core/config.js";
import { maxEchoedInput } from "../../core/errors.js";
import { parseSize } from "../../core/units.js";
import { canonicalOptions, parseFsType } from "../../core/volume.js";
import { withTokenFile } from "../../cli/runtime.js";
import { parseLabArgs } from "../../lab/cluster/args.js";
import { normalizeUrl } from "../../api/client/endpointPreference.js";
import { buildEbsSpec, ebsOptions } from "../../storage/ebs/options.js";
import { startApiHarness } from "./apiHarness.js";
import { startPluginHarness } from "./pluginHarness.js";
import { exchange } from "./rawHttp.js";

const long = "1".repeat(1000);

describe("fuzz regressions: parsers", () => {
  it("refuses a size past 2^53 bytes instead of returning an inexact number (8192TB)", () => {
    expect(() => parseSize("8192TB")).toThrow(/at most 8 PiB/);
    expect(parseSize("8191TiB")).toBe(8191 * 1024 ** 4);
  });

  it.each([
    ["parseFsType", () => parseFsType(long)],
    ["canonicalOptions (key)", () => canonicalOptions({ [long]: "1" }, ebsOptions, "ebs")],
    ["EBS zone", () => buildEbsSpec("data", { zone: long })],
    ["parseFlags", () => parseFlags([long], ["--state-dir"])],
    ["state dir", () => loadDaemonConfig({ SWARMVOL_STATE_DIR: long }, [])],
    ["parseListen", () => parseListen(long)],
    ["parseLabArgs", () => parseLabArgs([long])],
  ])("%s echoes at most a name's worth of a 1000-character input", (_, parse) => {
    expect(parse).toThrow(new RegExp(`"1{${maxEchoedInput}}"… \\(1000 characters\\)`));
  });

  it("reads a token file without its newlines, and refuses one over 4 KiB unread", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarmvol-token-"));
    try {
      await writeFile(join(dir, "ok"), "s3cret\r\n\n");
      expect((await withTokenFile({ SWARMVOL_TOKEN_FILE: join(dir, "ok") })).SWARMVOL_TOKEN).toBe("s3cret");
      // `/[\r\n]+$/` took seconds on this file before the cap and the linear strip.
      await writeFile(join(dir, "big"), `s3cret${"\n".repeat(100_000)}x`);
      await expect(withTokenFile({ SWARMVOL_TOKEN_FILE: join(dir, "big") })).rejects.toThrow(/holds 100007 bytes; a token is at most 4096/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("strips a long run of trailing slashes from a URL in one pass", () => {
    expect(normalizeUrl(`http://a:1${"/".repeat(100_000)}`)).toBe("http://a:1");
  });
});

describe("fuzz regressions: the HTTP surfaces", () => {
  it("answers a request node:http refuses (method FOO) in the plugin's shape, not a bare 400", async () => {
    const h = await startPluginHarness();
    try {
      const answer = await exchange({ socketPath: h.socketPath }, { method: "FOO", target: "/", headers: { "Content-Length": "3" }, body: Buffer.from("{}\n"), delivery: "pieces" });
      expect(answer?.status).toBe(400);
      expect(JSON.parse(answer?.body ?? "")).toEqual({ Err: expect.stringMatching(/^malformed HTTP request .*: send a POST/) });
    } finally {
      await h.close();
    }
  });

  it("answers a target over 16 KiB on the API with 431 and the contract's error body", async () => {
    const h = await startApiHarness();
    try {
      const answer = await h.call("GET", `/v1/volumes/${"a".repeat(20_000)}`);
      expect(answer?.status).toBe(431);
      expect(JSON.parse(answer?.body ?? "").error.code).toBe("INVALID_ARGUMENT");
    } finally {
      await h.close();
    }
  });

  it("names an unknown plugin endpoint in at most a name's worth of characters", async () => {
    const h = await startPluginHarness();
    try {
      const answer = await h.call(`/Plugin.Activate${"/".repeat(2_000)}`, {});
      expect(answer?.status).toBe(404);
      expect(JSON.parse(answer?.body ?? "").Err).toMatch(/^unknown endpoint \/Plugin\.Activate\/+… \(2016 characters\); swarmvol serves/);
    } finally {
      await h.close();
    }
  });
});
