/**
 * `node dist/lab/cloud/main.js --config FILE --port N --data DIR [--host ADDR] [--seed N]
 *  [--no-devices] [--faults JSON] [--lab-dir DIR] [--nfs-host ADDR [--nfs-port N]]`
 *
 * With `--lab-dir`, StopInstances cuts the power of the lab node with that instance id
 * (lab/cluster/nodePower.ts); without it, instance states change and nothing else.
 *
 * With `--nfs-host`, the EFS file systems (directories under DIR/efs) are served over real
 * NFSv4 by nfs-ganesha on that address, started once the first mount target is available.
 *
 * Prints one JSON line `{"endpoint": "..."}` on stdout once listening; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { loadInstancesFile } from "./config.js";
import type { FaultsPatch } from "./faults.js";
import { silentLogger } from "../../core/ports.js";
import { labPowerHost } from "../cluster/nodePower.js";
import { systemClock } from "./clock.js";
import { startCloud } from "./index.js";

const usage = "usage: main.js --config FILE --data DIR [--port N] [--host ADDR] [--seed N] [--no-devices] [--faults JSON] [--lab-dir DIR] [--nfs-host ADDR [--nfs-port N]]";

/** Power events on stderr (the lab appends it to cloud.log): one JSON line each. */
const stderrLogger = {
  ...silentLogger,
  info: (obj: object, msg: string) => process.stderr.write(`${JSON.stringify({ level: "info", time: Date.now(), msg, ...obj })}\n`),
  warn: (obj: object, msg: string) => process.stderr.write(`${JSON.stringify({ level: "warn", time: Date.now(), msg, ...obj })}\n`),
};

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
      "lab-dir": { type: "string" },
      "nfs-host": { type: "string" },
      "nfs-port": { type: "string", default: "2049" },
      "no-devices": { type: "boolean", default: false },
    },
  });
  if (values.config === undefined || values.data === undefined) throw new TypeError(usage);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port: bad port ${values.port}`);
  const nfsPort = Number(values["nfs-port"]);
  if (!Number.isInteger(nfsPort) || nfsPort < 0 || nfsPort > 65535) throw new TypeError(`--nfs-port: bad port ${values["nfs-port"]}`);
  const cloud = await startCloud({
    instances: await loadInstancesFile(values.config),
    dataDir: values.data,
    host: values.host,
    port,
    devices: values["no-devices"] ? "none" : "loop",
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.faults === undefined ? {} : { faults: JSON.parse(values.faults) as FaultsPatch }),
    ...(values["lab-dir"] === undefined ? {} : { power: labPowerHost(values["lab-dir"], systemClock, stderrLogger) }),
    ...(values["nfs-host"] === undefined ? {} : { nfs: { host: values["nfs-host"], port: nfsPort } }),
  });
  process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, ...(cloud.nfs === undefined ? {} : { nfs: cloud.nfs }) })}\n`);
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
