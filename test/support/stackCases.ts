/**
 * docs/stacks/*.yml as controller/swarm/dockerSwarm.int.test.ts deploys them on a one-node
 * swarm: what each needs made first, and what the controller must read from each of its
 * services. What is tested is a stack's volume and placement structure, not its image.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { TaskVolume } from "../../core/swarm.js";

/** `docker ARGS` against the test's engine, expected to exit 0; resolves to its stdout. */
export type DockerOk = (args: string[], env?: Readonly<Record<string, string>>) => Promise<string>;

export interface ExpectedService {
  /** The task's mounts as the controller parses them (controller/swarm/parse.ts). */
  mounts: TaskVolume[];
  /** The service's placement constraints, as the controller reads them for a move. */
  constraints: string[];
  /** Further checks of the service's spec (GET /services/{id} `Spec`). */
  spec?: (spec: Record<string, unknown>) => void;
}

export interface StackCase {
  file: string;
  stack: string;
  /** The volumes made beforehand with `docker volume create -d swarmvol`: the controller's catalog. */
  catalog: ReadonlySet<string>;
  /** Added to `docker stack deploy`'s environment (variables the file interpolates). */
  env?: Readonly<Record<string, string>>;
  /** Makes what the stack needs in `dir` or on the engine; resolves to the compose file to deploy. */
  prepare(dir: string, ok: DockerOk): Promise<string>;
  /** By service name without the stack prefix. */
  services: Record<string, ExpectedService>;
}

const stackPath = (file: string) => new URL(`../../docs/stacks/${file}`, import.meta.url).pathname;
const inZone = (zone: string) => [`node.labels.swarmvol.zone == ${zone}`];
const driverMount = (source: string, target: string, options: Record<string, string>): TaskVolume => ({ source, driver: "swarmvol", target, readOnly: false, options });
const mongoMember = (n: number, zone: string): ExpectedService => ({
  mounts: [driverMount(`mongo-rs${n}-data`, "/data/db", { size: "50", type: "gp3", zone, fsType: "xfs" })],
  constraints: inZone(zone),
});

interface ControllerSpec {
  Mode?: unknown;
  TaskTemplate?: { ContainerSpec?: { Image?: unknown; Args?: unknown; Env?: unknown; Mounts?: { Type?: string; Source?: string; Target?: string }[]; Secrets?: unknown } };
}

/**
 * Where the test's controllers.yml takes its image from: a registry on a loopback port
 * nothing listens on. docs/install-aws.md has the operator set `image:` to the image they
 * pushed; here the task must never run (a global service on this manager would otherwise
 * pull a public image and bind the host's Engine socket into it wherever CI has internet).
 */
const unpullableImage = "127.0.0.1:9/swarmvol:test";

/**
 * controllers.yml's one service: global on managers, the token a secret file (0400), the
 * Engine socket and the state directory bound from the host. Its task cannot start here
 * (its image cannot be pulled): Swarm keeps rejecting and replacing it, so its spec is checked.
 */
function checkControllerSpec(raw: Record<string, unknown>): void {
  const spec = raw as ControllerSpec;
  const container = spec.TaskTemplate?.ContainerSpec;
  expect(spec.Mode).toEqual({ Global: {} });
  expect(container?.Image).toBe(unpullableImage);
  expect(container?.Args).toEqual(["controller"]);
  expect(container?.Env).toEqual(expect.arrayContaining(["AWS_REGION=eu-west-1", "SWARMVOL_TOKEN_FILE=/run/secrets/swarmvol_token", "SWARMVOL_API_LISTEN=0.0.0.0:7750"]));
  expect(container?.Secrets).toMatchObject([{ SecretName: "swarmvol_swarmvol_token", File: { Name: "swarmvol_token", Mode: 0o400 } }]);
  expect(container?.Mounts?.map((mount) => [mount.Type, mount.Source, mount.Target])).toEqual([
    ["bind", "/var/run/docker.sock", "/var/run/docker.sock"], ["bind", "/var/lib/swarmvol", "/var/lib/swarmvol"],
  ]);
}

export const stackCases: StackCase[] = [
  {
    // The external volume reaches the task as a driverless mount of that name; it is
    // swarmvol's because the catalog holds it. The volume itself is not needed for the
    // deploy: stack deploy never checks an external volume.
    file: "postgres.yml", stack: "pg", catalog: new Set(["pgdata"]),
    prepare: async (dir, ok) => {
      await writeFile(join(dir, "pw"), "not-a-secret");
      await ok(["secret", "create", "pg_password", join(dir, "pw")]);
      return stackPath("postgres.yml");
    },
    services: { db: { mounts: [{ source: "pgdata", driver: "unnamed", target: "/var/lib/postgresql/data", readOnly: false, options: {} }], constraints: inZone("us-east-1a") } },
  },
  {
    file: "jenkins.yml", stack: "ci", catalog: new Set(),
    prepare: async () => stackPath("jenkins.yml"),
    services: { jenkins: { mounts: [driverMount("jenkins_home", "/var/jenkins_home", { size: "20", type: "gp3" })], constraints: inZone("us-east-1a") } },
  },
  {
    file: "mongo-rs.yml", stack: "mongo", catalog: new Set(),
    prepare: async () => stackPath("mongo-rs.yml"),
    services: { "db-rs1": mongoMember(1, "us-east-1a"), "db-rs2": mongoMember(2, "us-east-1b"), "db-rs3": mongoMember(3, "us-east-1c") },
  },
  {
    // As docs/install-aws.md deploys it: a copy, its `image:` set, beside the swarmvol.token
    // it makes a secret of, AWS_REGION in the environment.
    file: "controllers.yml", stack: "swarmvol", catalog: new Set(), env: { AWS_REGION: "eu-west-1" },
    prepare: async (dir) => {
      const original = await readFile(stackPath("controllers.yml"), "utf8");
      const copy = original.replace(/^( +image:) swarmvol\/swarmvol:latest$/m, `$1 ${unpullableImage}`);
      if (copy === original) throw new Error("docs/stacks/controllers.yml no longer says image: swarmvol/swarmvol:latest; update test/support/stackCases.ts");
      await writeFile(join(dir, "controllers.yml"), copy);
      await writeFile(join(dir, "swarmvol.token"), "not-a-secret");
      return join(dir, "controllers.yml");
    },
    services: { controller: { mounts: [], constraints: ["node.role == manager"], spec: checkControllerSpec } },
  },
];
