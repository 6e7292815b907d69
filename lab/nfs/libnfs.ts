/**
 * The userspace NFS client from Debian's `libnfs-utils` (`nfs-ls`, `nfs-cat`, `nfs-cp`):
 * these hosts' kernels have no NFS client, so this is how tests and drills prove what
 * really crossed the wire to the lab's NFS server.
 */
import { execRunner } from "../cloud/exec.js";

/** `nfs://HOST/PATH?version=4&nfsport=PORT`: NFSv4 straight to the port, no portmapper. */
export function nfsUrl(host: string, port: number, path: string): string {
  const clean = path.startsWith("/") ? path : `/${path}`;
  return `nfs://${host}${clean.split("/").map(encodeURIComponent).join("/")}?version=4&nfsport=${port}`;
}

async function run(program: string, args: string[]): Promise<string> {
  const r = await execRunner.run(program, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${program} ${args.join(" ")} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** The bytes of a file, read over NFS. */
export function nfsCat(url: string): Promise<string> {
  return run("nfs-cat", [url]);
}

/** Copies a local file to a path over NFS (or the other way round: `nfs-cp` takes either order). */
export async function nfsCp(from: string, to: string): Promise<void> {
  await run("nfs-cp", [from, to]);
}

export interface NfsEntry {
  mode: string;
  uid: number;
  gid: number;
  size: number;
  name: string;
}

/** A directory listing over NFS: `nfs-ls` prints mode, links, uid, gid, size, name. */
export async function nfsLs(url: string): Promise<NfsEntry[]> {
  const out = await run("nfs-ls", [url]);
  return out.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const [mode = "", , uid = "", gid = "", size = "", ...name] = line.trim().split(/\s+/);
    return { mode, uid: Number(uid), gid: Number(gid), size: Number(size), name: name.join(" ") };
  });
}
