import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` (pure code, fakes, a plugin server on a tmp socket: fast, no root)
 * and `integration` (real dockerd, loop devices, the lab: needs root; under CI=true these
 * never skip). Integration files are named `*.int.test.ts`.
 */
export default defineConfig({
  test: {
    // As cli/main.ts: the pinned AWS SDK's warning about future releases and Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    reporters: ["default", ["json", { outputFile: ".test-results/results.json" }]],
    projects: [
      {
        test: {
          name: "unit",
          include: ["{core,plugin,controller,api,storage,cli,lab,bench}/**/*.test.ts", "test/{unit,component,conformance,fuzz}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**", "dist/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/{integration,fuzz}/**/*.int.test.ts", "{lab,storage,plugin,controller}/**/*.int.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
