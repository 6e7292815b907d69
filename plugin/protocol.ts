/**
 * The Docker volume plugin protocol (docker.volumedriver/1.0) as dockerd 20.10 speaks it.
 * Facts that shape this file (research/protocols.md §1): requests carry no Content-Type,
 * Activate has an empty body, `Opts` may be null, `CreatedAt` must be RFC 3339 or absent
 * (an empty string breaks Docker's decoding of the whole answer), and the Mount/Unmount
 * `ID` is per mount point, not per container.
 */

export const pluginContentType = "application/vnd.docker.plugins.v1.1+json";
export const activateManifest = { Implements: ["VolumeDriver"] } as const;

/** Docker's per-call deadlines: Create and Mount 2 min, everything else 1 min. */
export const dockerDeadlineMs = { long: 120_000, short: 60_000 } as const;

export interface CreateRequest { Name: string; Opts: Record<string, unknown> | null }
export interface NameRequest { Name: string }
export interface MountRequest { Name: string; ID: string }

/** One volume as Docker decodes it; `Status` shows up in `docker volume inspect`. */
export interface PluginVolume {
  Name: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
}

/** Every endpoint swarmvol serves, keyed by path. */
export const pluginPaths = [
  "/Plugin.Activate",
  "/VolumeDriver.Create",
  "/VolumeDriver.Remove",
  "/VolumeDriver.Mount",
  "/VolumeDriver.Unmount",
  "/VolumeDriver.Path",
  "/VolumeDriver.Get",
  "/VolumeDriver.List",
  "/VolumeDriver.Capabilities",
] as const;
export type PluginPath = (typeof pluginPaths)[number];

/** Largest request body accepted; real requests are a few hundred bytes. */
export const maxBodyBytes = 1024 * 1024;
