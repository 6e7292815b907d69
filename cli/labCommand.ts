/**
 * `swarmvol lab …`: the command-line face of lab/cluster. cli/main.ts passes the
 * arguments after "lab"; this returns the process exit code (0 ok, 2 usage error,
 * 1 anything else) and never calls process.exit itself.
 */
import { isSwarmvolError, toSwarmvolError, ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { LAB_USAGE, parseLabArgs, type LabCommand } from "../lab/cluster/args.js";
import {
  defaultLabDeps, down, drainLabNode, freezeAgentLabNode, healLabNode, killLabNode, partitionLabNode, restartLabNode, status,
  thawAgentLabNode, up, type LabDeps,
} from "../lab/cluster/lab.js";
import { restartControllers } from "../lab/cluster/controllerRollout.js";
import { setFenceMode } from "../lab/cluster/powerFencing.js";
import { DEFAULT_LAB_DIR } from "../lab/cluster/plan.js";
import { killController, startController } from "../lab/cluster/swarmvolController.js";
import { renderStatusTable } from "../lab/cluster/status.js";

export interface LabCommandIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: LabCommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Progress lines on stderr for a human watching `lab up`; stdout stays for results. */
function stderrLogger(io: LabCommandIo): Logger {
  const write = (level: string) => (obj: object, msg: string) => io.err(`[lab] ${level} ${msg} ${JSON.stringify(obj)}\n`);
  const logger: Logger = { debug: () => {}, info: write("info"), warn: write("warn"), error: write("error"), child: () => logger };
  return logger;
}

async function runCommand(command: Exclude<LabCommand, { verb: "help" }>, deps: LabDeps, io: LabCommandIo): Promise<void> {
  const dir = command.dir ?? DEFAULT_LAB_DIR;
  switch (command.verb) {
    case "up": {
      const { nodes, managers, zones, bare, fastCloud, install } = command;
      const result = await up({ dir, nodes, managers, zones, bare, fastCloud, installHostPackages: install }, deps);
      io.out(renderStatusTable(await status(dir, deps)));
      const plugins = result.timings["swarmvol.plugins"];
      const pluginNote = plugins === undefined ? "" : ` (of which ${plugins / 1000} s waiting for Swarm to list the plugin)`;
      io.out(`lab up in ${(result.timings.total ?? 0) / 1000} s${pluginNote}; image ${result.image}\n`);
      return;
    }
    case "down":
      await down(dir, deps);
      return;
    case "status": {
      const report = await status(dir, deps);
      io.out(command.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatusTable(report));
      return;
    }
    case "kill": return killLabNode(dir, command.node, deps);
    case "partition": return partitionLabNode(dir, command.node, deps);
    case "heal": return healLabNode(dir, command.node, deps);
    case "restart": return restartLabNode(dir, command.node, deps);
    case "drain": return drainLabNode(dir, command.node, deps);
    case "freeze-agent": return freezeAgentLabNode(dir, command.node, deps);
    case "thaw-agent": return thawAgentLabNode(dir, command.node, deps);
    case "fence-mode": {
      const steps = await setFenceMode(dir, command.mode, { clock: deps.clock, spawner: deps.spawner });
      io.out(steps.length === 0 ? `replicas already run with --fence-mode=${command.mode}\n` : `replicas restarted with --fence-mode=${command.mode}: ${steps.map((s) => s.node).join(", ")}\n`);
      return;
    }
    case "kill-controller": {
      const killed = await killController(dir, { node: command.node, signal: command.signal, clock: deps.clock });
      io.out(`controller replica on ${killed.node} stopped (${command.signal})\n`);
      return;
    }
    case "start-controller":
      await startController(dir, { node: command.node, clock: deps.clock, spawner: deps.spawner });
      return;
    case "restart-controllers":
      await restartControllers(dir, {
        signal: command.signal, clock: deps.clock, spawner: deps.spawner,
        onStep: (s) => io.out(`${s.node} (${s.wasLeader ? "leader" : "standby"}) restarted: leader ${s.newLeader} after ${s.takeoverMs} ms, healthy again after ${s.restartMs} ms\n`),
      });
      return;
  }
}

/**
 * Runs `swarmvol lab <argv…>`. Root is needed for everything but `help` (namespaces,
 * links, mounts); the error says so instead of failing halfway.
 */
export async function labCommand(argv: string[], io: LabCommandIo = processIo, deps?: LabDeps): Promise<number> {
  let command: LabCommand;
  try {
    command = parseLabArgs(argv);
  } catch (err) {
    io.err(`swarmvol lab: ${toSwarmvolError(err).message}\n${LAB_USAGE}\n`);
    return 2;
  }
  if (command.verb === "help") {
    io.out(`${LAB_USAGE}\n`);
    return 0;
  }
  if (deps === undefined && process.getuid?.() !== 0) {
    io.err("swarmvol lab: needs root (network namespaces, veth links, mounts, dockerd)\n");
    return 1;
  }
  try {
    await runCommand(command, deps ?? defaultLabDeps({ logger: stderrLogger(io) }), io);
    return 0;
  } catch (err) {
    const error = toSwarmvolError(err);
    io.err(`swarmvol lab ${command.verb}: ${error.code}: ${error.message}\n`);
    return isSwarmvolError(error, ErrorCode.InvalidArgument) ? 2 : 1;
  }
}
