import { realpath } from "node:fs/promises";

/**
 * The path as the kernel reports it (symlinks resolved), or the path itself when it does
 * not exist. The mount table and `losetup --list` name resolved paths: comparing them with
 * an unresolved one (a state directory behind a symlink) would miss a mount and mount the
 * same image twice.
 */
export async function kernelPath(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return path;
    throw err;
  }
}
