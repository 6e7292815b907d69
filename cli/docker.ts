import Docker from "dockerode";
import { invalidArgument } from "../core/errors.js";

/** A dockerode client for `unix:///path` (the only kind of engine address swarmvol uses). */
export function dockerFor(host: string): Docker {
  if (!host.startsWith("unix://")) throw invalidArgument(`docker host must be unix:///path/to/docker.sock, got "${host}"`);
  return new Docker({ socketPath: host.slice("unix://".length), version: "v1.41" });
}
