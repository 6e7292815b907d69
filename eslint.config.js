// Lint rules that keep the architecture honest: core/ does no I/O and imports no SDK,
// and only cli/ (the composition root) builds real clients.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const sdkModules = ["dockerode", "@aws-sdk/*", "lowdb", "lowdb/*", "pino", "node-cron", "prom-client"];

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
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [...sdkModules, "../cli/*", "../../cli/*", "../lab/*", "../../lab/*"] }],
    },
  },
);
