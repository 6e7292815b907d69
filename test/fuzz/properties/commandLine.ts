/**
 * Properties of the configuration parsers: daemon flags and environment (core/config.ts,
 * core/clusterConfig.ts), `swarmvol lab` arguments, the token file. Whatever the operator
 * (or a stack file) puts there, the daemon refuses with a domain error naming the fix.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { loadAgentConfig, loadControllerConfig, loadOperatorConfig } from "../../../core/clusterConfig.js";
import { loadDaemonConfig, parseFlags, parseListen } from "../../../core/config.js";
import { maxTokenFileBytes, withTokenFile } from "../../../cli/runtime.js";
import { parseLabArgs } from "../../../lab/cluster/args.js";
import { leaderHintUrl, normalizeUrl } from "../../../api/client/endpointPreference.js";
import { hostileText, longText } from "../arbitraries.js";
import { fuzzProperty, type FuzzProperty } from "../budget.js";
import { check, domainOutcome, domainOutcomeAsync } from "../invariants.js";

const daemonFlags = ["--plugin-socket", "--state-dir", "--backend", "--log-level", "--api-listen", "--docker-host"];
const clusterFlags = ["--listen", "--controller", "--controller-port", "--workers", "--lease-ttl-ms", "--advertise-url", "--instance-id", "--zone", "--token"];
const labWords = ["up", "down", "status", "kill", "partition", "kill-controller", "restart-controllers", "--dir", "--nodes", "--json", "--term", "--bare", "node1"];
const envNames = ["SWARMVOL_STATE_DIR", "SWARMVOL_LOG_LEVEL", "SWARMVOL_API_LISTEN", "SWARMVOL_TOKEN", "SWARMVOL_CONTROLLER", "SWARMVOL_WORKERS", "SWARMVOL_INSTANCE_ID", "SWARMVOL_ZONE", "SWARMVOL_BACKEND", "SWARMVOL_PLUGIN_SOCKET"];

/** argv built from known words, `--flag=value` pairs and hostile text. */
function argvOf(words: readonly string[]): fc.Arbitrary<string[]> {
  const word = fc.oneof(fc.constantFrom(...words), fc.tuple(fc.constantFrom(...words), hostileText).map(([flag, value]) => `${flag}=${value}`), hostileText, longText);
  return fc.array(word, { maxLength: 6 });
}

const envOf = fc.dictionary(fc.constantFrom(...envNames), fc.oneof(hostileText, longText, fc.constantFrom("info", "/var/lib/x", "127.0.0.1:1", "s3cret", "http://a:1")), { maxKeys: 5 });

export const commandLineProperties: FuzzProperty[] = [
  fuzzProperty("parseFlags: domain errors only, both spellings agree", 1, () => fc.property(argvOf(daemonFlags), (argv) => {
    const outcome = domainOutcome(() => parseFlags(argv, daemonFlags));
    if (!outcome.ok) return;
    const inline = [...outcome.value].map(([flag, value]) => `${flag}=${value}`);
    check(JSON.stringify([...parseFlags(inline, daemonFlags)]) === JSON.stringify([...outcome.value]), "the --flag=value spelling reads otherwise");
  })),
  fuzzProperty("daemon configs: domain errors only", 1, () => fc.property(envOf, argvOf([...daemonFlags, ...clusterFlags]), (env, argv) => {
    domainOutcome(() => loadDaemonConfig(env, argv));
    domainOutcome(() => loadControllerConfig(env, argv));
    domainOutcome(() => loadAgentConfig(env, argv));
    domainOutcome(() => loadOperatorConfig(env, argv));
  })),
  fuzzProperty("parseListen: reads back host:port", 1, () => fc.property(
    fc.oneof(fc.ipV4(), fc.domain(), fc.constant("0.0.0.0")), fc.integer({ min: 0, max: 65535 }), (host, port) => {
      const listen = parseListen(`${host}:${port}`);
      check(listen.host === host && listen.port === port, JSON.stringify(listen));
    })),
  fuzzProperty("parseListen: domain errors only", 1, () => fc.property(fc.oneof(hostileText, longText), (text) => {
    domainOutcome(() => parseListen(text));
  })),
  fuzzProperty("parseLabArgs: domain errors only", 1, () => fc.property(argvOf(labWords), (argv) => {
    domainOutcome(() => parseLabArgs(argv));
  })),
  fuzzProperty("normalizeUrl and leaderHintUrl: no trailing slash, never throw", 1, () => fc.property(
    fc.oneof(hostileText, longText, fc.webUrl(), fc.webUrl().map((url) => url + "/".repeat(50_000))), (text) => {
      const url = normalizeUrl(text);
      check(!url.endsWith("/") && text.trim().startsWith(url), `normalized to ${url.slice(0, 80)}`);
      const hint = leaderHintUrl(text);
      check(hint === undefined || hint === url, "hint is not the normalized URL");
    })),
  fuzzProperty("withTokenFile: a file past the cap is refused unread", 0.05, () => fc.asyncProperty(
    fc.oneof(hostileText, longText, fc.tuple(hostileText, fc.constantFrom("\n", "\r\n", "\n\n\n"), fc.nat({ max: 100_000 })).map(([token, end, times]) => token + end.repeat(times))),
    async (content) => {
      const dir = await mkdtemp(join(tmpdir(), "swarmvol-fuzz-token-"));
      try {
        const file = join(dir, "token");
        await writeFile(file, content);
        const outcome = await domainOutcomeAsync(() => withTokenFile({ SWARMVOL_TOKEN_FILE: file }));
        const size = Buffer.byteLength(content);
        check(size <= maxTokenFileBytes || !outcome.ok, `read a token file of ${size} bytes`);
        // The file holds UTF-8: a lone surrogate written reads back as U+FFFD.
        const written = Buffer.from(content).toString("utf8");
        if (outcome.ok) check(!/[\r\n]$/.test(outcome.value.SWARMVOL_TOKEN ?? "") && written.startsWith(outcome.value.SWARMVOL_TOKEN ?? "\u0000"), "token keeps its newline");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })),
];
