/**
 * A supervised nfs-ganesha process serving the emulator's EFS file systems over real NFSv4
 * (Debian's `nfs-ganesha` + `nfs-ganesha-vfs`; no rpcbind, no D-Bus needed). Started lazily,
 * by the first `apply` with an export, so a lab that never uses EFS never runs it; a changed
 * export set rewrites the config and sends SIGHUP (ganesha re-reads its exports, logging
 * "Reread exports complete", which is waited for); a server that died is started again by
 * the next `apply`. Needs root: the VFS FSAL opens files by handle.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { silentLogger, type Logger } from "../../core/ports.js";
import { ganeshaConfig, type NfsExport, type NfsExporter } from "./ganeshaConfig.js";

export interface GaneshaOptions {
  /** A specific address (loopback, the lab bridge). */
  host: string;
  port: number;
  /** Holds ganesha.conf, ganesha.log, ganesha.pid and the recovery records. */
  workDir: string;
  /** @default "ganesha.nfsd" */
  program?: string;
  logger?: Logger;
  /** How long a start may take before it fails (it takes well under a second here). @default 20000 */
  startTimeoutMs?: number;
  /** How long a reload may take before a warning. @default 10000 */
  reloadTimeoutMs?: number;
}

const RELOADED = "Reread exports complete";

/** A free TCP port on `host` (for a server that needs its port in a config file). */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export class GaneshaServer implements NfsExporter {
  readonly configPath: string;
  readonly logPath: string;
  private readonly pidPath: string;
  private child: ChildProcess | undefined;
  private stderr = "";
  private applied: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: GaneshaOptions) {
    this.configPath = join(options.workDir, "ganesha.conf");
    this.logPath = join(options.workDir, "ganesha.log");
    this.pidPath = join(options.workDir, "ganesha.pid");
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Serves exactly `exports`, one change at a time. */
  apply(exports: readonly NfsExport[]): Promise<void> {
    const run = this.chain.then(() => this.applyNow(exports));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async applyNow(exports: readonly NfsExport[]): Promise<void> {
    const { host, port, workDir } = this.options;
    const text = ganeshaConfig({ host, port, recoveryDir: join(workDir, "recovery") }, exports);
    if (text === this.applied && this.running) return;
    if (exports.length === 0 && !this.running) return; // lazy: nothing to serve, nothing to start
    await mkdir(join(workDir, "recovery"), { recursive: true });
    await writeFile(`${this.configPath}.tmp`, text);
    await rename(`${this.configPath}.tmp`, this.configPath);
    if (this.running) await this.reload();
    else await this.start();
    this.applied = text;
  }

  private async start(): Promise<void> {
    await this.killStale();
    const { host, port } = this.options;
    const program = this.options.program ?? "ganesha.nfsd";
    const child = spawn(program, ["-F", "-f", this.configPath, "-L", this.logPath, "-p", this.pidPath], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    this.stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4096)));
    child.once("error", (err) => (this.stderr += `\n${err.message}`));
    child.once("exit", (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.applied = undefined;
      this.options.logger?.warn({ code, signal }, "ganesha exited");
    });
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 20_000);
    while (!(await accepts(host, port))) {
      if (this.child !== child || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`ganesha did not start on ${host}:${port}: ${(await this.logTail()) || this.stderr || "no output"}`);
      }
      await sleep(50);
    }
    (this.options.logger ?? silentLogger).info({ host, port, pid: child.pid }, "ganesha started");
  }

  /** SIGHUP, then waits for the log line that says the exports were read again. */
  private async reload(): Promise<void> {
    const count = async () => (await readFile(this.logPath, "utf8").catch(() => "")).split(RELOADED).length;
    const before = await count();
    this.child?.kill("SIGHUP");
    const deadline = Date.now() + (this.options.reloadTimeoutMs ?? 10_000);
    while ((await count()) <= before) {
      if (Date.now() > deadline || !this.running) {
        (this.options.logger ?? silentLogger).warn({ log: this.logPath }, "ganesha reload not confirmed in its log");
        return;
      }
      await sleep(25);
    }
  }

  /** A ganesha left running with this config by an earlier emulator that was killed. */
  private async killStale(): Promise<void> {
    const pid = Number((await readFile(this.pidPath, "utf8").catch(() => "")).trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(this.configPath)) return;
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100 && (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")) !== ""; i++) await sleep(20);
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logPath, "utf8").catch(() => "");
    return text.split("\n").filter((line) => /CRIT|MAJ|FATAL/.test(line) && !/DBUS|krb5|keytab/i.test(line)).slice(-3).join("\n");
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async close(): Promise<void> {
    await this.chain;
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      child.kill("SIGKILL");
      await exited;
    }
  }
}
