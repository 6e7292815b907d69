import { describe, expect, it } from "vitest";
import { parseVolumeMounts } from "./parse.js";

/**
 * Mount shapes as the Engine API gives them back: `docker stack deploy` builds an external
 * volume's mount with `VolumeOptions: {}` and no DriverConfig (docker/cli
 * cli/compose/convert/volume.go, "External named volumes"); `--mount type=volume,source=x`
 * has no VolumeOptions at all (testdata/tasks.json); driver_opts without a driver give a
 * DriverConfig with an empty Name.
 */
describe("parseVolumeMounts", () => {
  const mount = (extra: Record<string, unknown>) => ({ Type: "volume", Source: "pgdata", Target: "/var/lib/postgresql/data", ...extra });

  it("keeps a mount naming no driver as unnamed, however the driver is left out", () => {
    const shapes = [mount({}), mount({ VolumeOptions: {} }), mount({ VolumeOptions: { NoCopy: true } }), mount({ VolumeOptions: { DriverConfig: { Name: "" } } })];
    for (const shape of shapes) {
      expect(parseVolumeMounts([shape], ["swarmvol"])).toEqual([{ source: "pgdata", driver: "unnamed", target: "/var/lib/postgresql/data", readOnly: false, options: {} }]);
    }
  });

  it("keeps swarmvol's mounts with their options, drops another driver's, binds and anonymous volumes", () => {
    const mounts = [
      mount({ VolumeOptions: { DriverConfig: { Name: "swarmvol:latest", Options: { size: "2" } } } }),
      mount({ Source: "other", VolumeOptions: { DriverConfig: { Name: "local" } } }),
      mount({ Source: "rex", VolumeOptions: { DriverConfig: { Name: "rexray/ebs" } } }),
      { Type: "bind", Source: "/srv", Target: "/srv" },
      mount({ Source: "" }),
    ];
    expect(parseVolumeMounts(mounts, ["swarmvol"])).toEqual([
      { source: "pgdata", driver: "swarmvol", target: "/var/lib/postgresql/data", readOnly: false, options: { size: "2" } },
    ]);
  });
});
