// Lint rules that keep the architecture honest: core/ does no I/O, imports no SDK and no
// other part; only cli/ (the composition root) builds real clients and nothing imports
// it; api/ imports neither plugin/ nor controller/, and those two never import each
// other; the ports are core/'s and their adapters storage/'s, so controller/, plugin/ and
// api/ never import storage/ and storage/ imports none of them (ADR 0027). prom-client is
// imported only where metrics are declared (each declared once, docs/metrics.md checked
// against them).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const sdkModules = ["dockerode", "@aws-sdk/*", "lowdb", "lowdb/*", "pino", "node-cron", "prom-client"];
const metricsModules = ["api/metrics.ts", "controller/metrics.ts", "plugin/metrics.ts"];

/**
 * The arrows between the product's parts (ADR 0018, ADR 0027): api/ is the wire both
 * sides share, so it imports neither side; the agent (plugin/) and the controller never
 * import each other; they reach the backends only through core/'s ports, never storage/'s
 * adapters; storage/ implements core/'s ports and imports no part above it. None imports
 * cli/ (the composition root) or lab/. storage/ is where the SDKs are used, so only it may
 * import them (prom-client aside: metrics are declared in the three metrics modules).
 * Tests may cross (a test of the metrics reference reads every role's declarations; a
 * storage/ test runs against the lab's emulator).
 */
const layers = [
  { dir: "api", never: ["plugin", "controller", "storage"] },
  { dir: "plugin", never: ["controller", "storage"] },
  { dir: "controller", never: ["plugin", "storage"] },
  { dir: "storage", never: ["plugin", "controller", "api"], sdk: true },
];

/** core/ imports no other part of the product, nor any SDK or I/O module. */
const coreNever = ["plugin", "controller", "api", "storage", "cli", "lab"];

/** Relative import patterns that reach these top-level folders from up to three levels down. */
const reaching = (dirs) => dirs.flatMap((dir) => ["../", "../../", "../../../"].map((up) => `${up}${dir}/*`));

/** Each refusal names the fix, like the product's own errors. */
const sdkGroup = (modules) => ({
  group: modules,
  message: "only cli/ (the composition root) and storage/ (the adapters) use SDKs and real clients: take a port from core/ports.ts instead",
});
const ioGroup = {
  group: ["node:fs", "node:fs/*", "node:child_process", "node:net", "node:http"],
  message: "core/ does no I/O: put the side effect behind a port in core/ports.ts and its adapter in storage/",
};
const partsGroup = (dirs) => ({
  group: reaching(dirs),
  message: "this import crosses the layering (eslint.config.js, ADR 0018, ADR 0027): move the shared type or port to core/, or join the two parts in cli/",
});

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "max-lines": ["warn", { max: 330, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [sdkGroup(sdkModules), ioGroup, partsGroup(coreNever)],
      }],
    },
  },
  ...layers.map(({ dir, never, sdk }) => ({
    files: [`${dir}/**/*.ts`],
    ignores: ["**/*.test.ts", ...metricsModules],
    rules: {
      "no-restricted-imports": ["error", { patterns: [sdkGroup(sdk ? ["prom-client"] : sdkModules), partsGroup(["cli", "lab", ...never])] }],
    },
  })),
  ...metricsModules.map((file) => ({
    files: [file],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          sdkGroup(sdkModules.filter((m) => m !== "prom-client")),
          partsGroup(["cli", "lab", ...(layers.find(({ dir }) => file.startsWith(`${dir}/`))?.never ?? [])]),
        ],
      }],
    },
  })),
);
