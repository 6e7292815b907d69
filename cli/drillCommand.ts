/**
 * `swarmvol drill …`: the command-line face of lab/drill. cli/main.ts passes the
 * arguments after "drill"; this returns the exit code (0 every run passed and nothing
 * acknowledged was lost, 1 anything else, 2 usage error) and never calls process.exit
 * itself (except on SIGINT/SIGTERM, after taking the lab down).
 */
import { toSwarmvolError } from "../core/errors.js";
import { runDrill, type DrillIo } from "../lab/drill/drill.js";
import { DRILL_USAGE, parseDrillArgs, type DrillOptions, type DrillHelp } from "../lab/drill/options.js";

const processIo: DrillIo = {
  out: (text) => process.stdout.write(text),
  err: process.stderr,
};

export async function drillCommand(argv: string[], io: DrillIo = processIo): Promise<number> {
  let options: DrillOptions | DrillHelp;
  try {
    options = parseDrillArgs(argv);
  } catch (err) {
    io.err.write(`swarmvol drill: ${toSwarmvolError(err).message}\n${DRILL_USAGE}\n`);
    return 2;
  }
  if ("help" in options) {
    io.out(`${DRILL_USAGE}\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    io.err.write("swarmvol drill: needs root (the lab uses namespaces, links, mounts and dockerd)\n");
    return 1;
  }
  return runDrill(options, io);
}
