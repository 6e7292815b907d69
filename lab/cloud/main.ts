/**
 * `node dist/lab/cloud/main.js --config FILE --port N --data DIR [--host ADDR] [--seed N]
 *  [--no-devices] [--faults JSON]`
 *
 * Prints one JSON line `{"endpoint": "..."}` on stdout once listening; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { loadInstancesFile } from "./config.js";
import type { FaultsPatch } from "./faults.js";
import { startCloud } from "./index.js";

const usage = "usage: main.js --config FILE --data DIR [--port N] [--host ADDR] [--seed N] [--no-devices] [--faults JSON]";

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      port: { type: "string", default: "0" },
      data: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      faults: { type: "string" },
      "no-devices": { type: "boolean", default: false },
    },
  });
  if (values.config === undefined || values.data === undefined) throw new TypeError(usage);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port: bad port ${values.port}`);
  const cloud = await startCloud({
    instances: await loadInstancesFile(values.config),
    dataDir: values.data,
    host: values.host,
    port,
    devices: values["no-devices"] ? "none" : "loop",
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.faults === undefined ? {} : { faults: JSON.parse(values.faults) as FaultsPatch }),
  });
  process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint })}\n`);
  const stop = () => {
    cloud.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      process.exit(1);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
