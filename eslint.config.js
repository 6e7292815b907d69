// Lint rules that keep the architecture honest: core/ does no I/O and imports no SDK,
// only cli/ (the composition root) builds real clients, api/ imports neither plugin/ nor
// controller/, and those two never import each other. prom-client is imported only
// where metrics are declared (each declared once, docs/metrics.md checked against them).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const sdkModules = ["dockerode", "@aws-sdk/*", "lowdb", "lowdb/*", "pino", "node-cron", "prom-client"];
const metricsModules = ["api/metrics.ts", "controller/metrics.ts", "plugin/metrics.ts"];

/**
 * The arrows between the product's parts (ADR 0018): api/ is
 * the wire both sides share, so it imports neither side; the agent (plugin/) and the
 * controller never import each other. None imports cli/ (the composition root) or lab/.
 * Tests may cross (a test of the metrics reference reads every role's declarations).
 */
const layers = [
  { dir: "api", never: ["plugin", "controller"] },
  { dir: "plugin", never: ["controller"] },
  { dir: "controller", never: ["plugin"] },
];

/** Relative import patterns that reach these top-level folders from up to three levels down. */
const reaching = (dirs) => dirs.flatMap((dir) => ["../", "../../", "../../../"].map((up) => `${up}${dir}/*`));

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
        patterns: [...sdkModules, "node:fs", "node:fs/*", "node:child_process", "node:net", "node:http",
          "../plugin/*", "../controller/*", "../api/*", "../storage/*", "../cli/*", "../lab/*"],
      }],
    },
  },
  ...layers.map(({ dir, never }) => ({
    files: [`${dir}/**/*.ts`],
    ignores: ["**/*.test.ts", ...metricsModules],
    rules: {
      "no-restricted-imports": ["error", { patterns: [...sdkModules, ...reaching(["cli", "lab", ...never])] }],
    },
  })),
  ...metricsModules.map((file) => ({
    files: [file],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [...sdkModules.filter((m) => m !== "prom-client"), ...reaching(["cli", "lab", ...(layers.find(({ dir }) => file.startsWith(`${dir}/`))?.never ?? [])])],
      }],
    },
  })),
);
