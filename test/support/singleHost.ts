import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessRunner } from "../../storage/os/commandRunner.js";

const runner = new ProcessRunner();

/** A process of the test and how to wait for its end. */
export interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startLogged(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(program, args, { stdio: ["ignore", "ignore", "pipe"], env });
  let tail = "";
  child.stderr?.on("data", (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => {
    if (code !== 0 && code !== null && process.env.SWARMVOL_TEST_VERBOSE) console.error(`${program} exited ${code}: ${tail}`);
    resolve(code);
  }));
  return { child, exited };
}

/**
 * A real dockerd (Debian docker.io) with its own data-root, exec-root and socket, no
 * iptables and no bridge, so it touches nothing another engine on the machine owns.
 */
export async function startDockerd(root: string): Promise<Started & { host: string }> {
  await mkdir(join(root, "data"), { recursive: true });
  const socket = join(root, "docker.sock");
  const started = startLogged("dockerd", [
    "--data-root", join(root, "data"), "--exec-root", join(root, "exec"), "--pidfile", join(root, "docker.pid"),
    "-H", `unix://${socket}`, "--iptables=false", "--ip-masq=false", "--bridge=none", "--storage-driver", "overlay2",
  ]);
  const host = `unix://${socket}`;
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const ping = await docker(host, ["version", "--format", "{{.Server.Version}}"]);
    if (ping.code === 0) return { ...started, host };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  started.child.kill("SIGKILL");
  throw new Error(`dockerd at ${socket} did not answer within 30 s`);
}

export async function stopGracefully(started: Started, timeoutMs = 30_000): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  started.child.kill("SIGTERM");
  const timer = setTimeout(() => started.child.kill("SIGKILL"), timeoutMs);
  await started.exited;
  clearTimeout(timer);
}

export async function killHard(started: Started): Promise<void> {
  started.child.kill("SIGKILL");
  await started.exited;
}

/**
 * Runs the docker CLI against one engine (through env(1), so no shell is involved), with
 * `env` added to its environment (e.g. a variable a stack file interpolates).
 */
export function docker(host: string, args: string[], env: Readonly<Record<string, string>> = {}) {
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return runner.run("env", [`DOCKER_HOST=${host}`, ...assignments, "docker", ...args], { timeoutMs: 120_000 });
}

/** Starts the built swarmvol daemon (dist/cli/main.js) with flags; returns once its socket answers. */
export async function startSwarmvol(args: string[], socket: string): Promise<Started> {
  const started = startLogged(process.execPath, ["dist/cli/main.js", "all-in-one", ...args], { ...process.env, SWARMVOL_LOG_LEVEL: "warn" });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (existsSync(socket)) return started;
    if (started.child.exitCode !== null) throw new Error(`swarmvol exited with ${started.child.exitCode} before serving ${socket}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`swarmvol did not create ${socket} within 10 s`);
}

/** Swarm mode leaves network namespaces bind-mounted under exec-root; unmount ours, deepest first. */
export async function unmountUnder(root: string): Promise<void> {
  const mountPoints = (await readFile("/proc/self/mountinfo", "utf8")).split("\n")
    .map((line) => line.split(" ")[4] ?? "").filter((point) => point.startsWith(`${root}/`));
  for (const point of mountPoints.sort().reverse()) await runner.run("umount", ["-l", point]);
}

/** A one-node swarm on its own dockerd (own roots, no iptables), for tests of the Swarm adapters. */
export interface SingleNodeSwarm {
  engine: Started & { host: string };
  /** The engine's Unix socket path, for `new Docker({ socketPath })`. */
  socketPath: string;
  /** Leaves the swarm, stops dockerd, unmounts and removes everything it made. */
  stop(): Promise<void>;
}

/** Starts dockerd under a new temp dir named by `prefix` and inits a swarm on 127.0.0.1:`port`. */
export async function startSingleNodeSwarm(prefix: string, port: number): Promise<SingleNodeSwarm> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const engine = await startDockerd(join(root, "engine"));
  const init = await docker(engine.host, ["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", `127.0.0.1:${port}`]);
  if (init.code !== 0) throw new Error(`docker swarm init: ${init.stderr}`);
  return {
    engine, socketPath: engine.host.replace("unix://", ""),
    stop: async () => {
      await docker(engine.host, ["swarm", "leave", "--force"]);
      await stopGracefully(engine);
      await unmountUnder(root);
      await rm(root, { recursive: true, force: true });
    },
  };
}
