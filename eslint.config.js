// Lint rules that keep the architecture honest: core/ does no I/O and imports no SDK,
// and only cli/ (the composition root) builds real clients. prom-client is imported only
// where metrics are declared (each declared once, docs/metrics.md checked against them).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const sdkModules = ["dockerode", "@aws-sdk/*", "lowdb", "lowdb/*", "pino", "node-cron", "prom-client"];
const metricsModules = ["api/metrics.ts", "controller/metrics.ts", "plugin/metrics.ts"];

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
  {
    files: ["plugin/**/*.ts", "controller/**/*.ts", "api/**/*.ts"],
    ignores: ["**/*.test.ts", ...metricsModules],
    rules: {
      "no-restricted-imports": ["error", { patterns: [...sdkModules, "../cli/*", "../../cli/*", "../lab/*", "../../lab/*"] }],
    },
  },
  {
    files: metricsModules,
    rules: {
      "no-restricted-imports": ["error", { patterns: [...sdkModules.filter((m) => m !== "prom-client"), "../cli/*", "../lab/*"] }],
    },
  },
);
