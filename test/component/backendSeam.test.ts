/**
 * The backend seam as `swarmvol controller` wires it (cli/backends.ts, ADR 0027: EBS and
 * EFS): a whole Controller on fakes, its volume service serving the API over HTTP. A volume
 * created without `-o backend` is the EBS volume it always was; one asking for a backend
 * this controller does not serve, for a block option on EFS, or for multi-writer on EBS, is refused with INVALID_ARGUMENT
 * naming the fix, and nothing is recorded nor created: no catalog write, no cloud call,
 * not even when a task then mounts the name.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { controllerRoutes } from "../../api/routes.js";
import { Credentials } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { controllerBackends } from "../../cli/backends.js";
import { Controller } from "../../controller/controller.js";
import { SwarmInformer } from "../../controller/informer/swarmInformer.js";
import { silentLogger } from "../../core/ports.js";
import { buildEbsSpec } from "../../storage/ebs/options.js";
import { newNode, newTask, newTaskVolume } from "../fixtures/swarm.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { runRenewing } from "../support/renewals.js";

const secret = "s3cret";
let time: ManualTime;
let swarm: FakeSwarm;
let cloud: FakeCloud;
let catalog: MemoryCatalog;
let controller: Controller;
let server: ApiServer;
let base: string;

/** The cloud calls that change something (describes left out). */
const mutations = () => cloud.calls.filter((call) => !call.startsWith("describe"));

async function create(name: string, options: Record<string, string> | null) {
  const response = await fetch(`${base}/v1/volumes`, {
    method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify({ name, options }),
  });
  return { status: response.status, body: await response.json() as { error?: { code: string; message: string }; volume?: { spec: unknown } } };
}

/** Lets `ms` pass with both nodes renewing their leases. */
const run = (ms: number) => runRenewing(time, ms, ["n1", "n2"], (id) => controller.service.heartbeat(id, { hostname: id, instanceId: `i-${id}`, zone: "z1", mounts: [] }));

beforeEach(async () => {
  time = new ManualTime();
  swarm = new FakeSwarm({ nodes: [newNode({ id: "n1" }), newNode({ id: "n2" })] });
  cloud = new FakeCloud();
  catalog = new MemoryCatalog();
  const backends = controllerBackends("ebs", ["ebs", "efs"]);
  controller = new Controller({
    informer: new SwarmInformer({ swarm, clock: time, timers: time, pollIntervalMs: 500 }), catalog, cloud,
    journal: new MemoryJournal(() => time.now()), clock: time, logger: silentLogger, metrics: new RecordingMetrics(),
    policy: { fenceGraceMs: 4_000, pollMs: 1_000 }, leaseTtlMs: 6_000, claimTtlMs: 5_000, timers: time,
    buildSpec: (name, options) => backends.buildSpec(name, options),
  });
  const started = controller.start();
  await time.advance(0);
  await started;
  await run(1_000);
  const routes = controllerRoutes({ volumes: () => controller.service, nodes: () => controller });
  server = new ApiServer({ routes, logger: silentLogger, credentials: new Credentials(secret) });
  base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});

afterEach(async () => {
  await server.close();
  await controller.stop();
});

describe("a controller serving EBS and EFS", () => {
  it.each([
    [{ backend: "efs", size: "1" }, /^option "size" is not for the efs backend: EFS grows and shrinks with its data: leave -o size out$/],
    [{ backend: "efs", from: "pgdata" }, /^option "from" is not for the efs backend: an EFS volume has no EBS snapshots/],
    [{ backend: "nfs", access: "multi-writer" }, /^this controller does not serve the nfs backend \(it serves ebs and efs\): create the volume with -o backend=ebs\|efs, or leave -o backend out for ebs$/],
    [{ backend: "zfs" }, /^unknown backend "zfs": use -o backend=ebs\|efs$/],
    [{ access: "multi-writer" }, /^the ebs backend is a block device one node mounts at a time: -o access=multi-writer needs a file share; use -o backend=efs$/],
  ])("refuses %j with INVALID_ARGUMENT naming the fix, and records and creates nothing", async (options, message) => {
    const catalogWrites = catalog.writes.length;
    const refused = await create("shared", options);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
    // A task that mounts the name with the same options anyway finds nothing to attach: the
    // controller's create from its declaration (ADR 0029) is refused the same way.
    swarm.putTask(newTask({ id: "t1", nodeId: "n1", volumes: [newTaskVolume("shared", { options })] }));
    await run(3_000);
    expect(catalog.writes.slice(catalogWrites)).toEqual([]);
    expect(catalog.get("shared")).toBeUndefined();
    expect(mutations()).toEqual([]);
  });

  it("gives a volume created without -o backend exactly the spec buildEbsSpec gave, and the same cloud steps", async () => {
    const created = await create("pgdata", { size: "2", type: "gp3" });
    expect(created.status).toBe(200);
    expect(catalog.get("pgdata")?.spec).toStrictEqual(buildEbsSpec("pgdata", { size: "2", type: "gp3" }));
    swarm.putTask(newTask({ id: "t1", nodeId: "n1", volumes: [newTaskVolume("pgdata")] }));
    await run(2_000);
    expect(mutations()).toEqual(["create pgdata z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-n1"]);
  });

  it("records -o backend=efs as a share: its options kept, never fresh (nobody makes a filesystem on it)", async () => {
    const created = await create("shared", { backend: "efs", access: "multi-writer", uid: "1000" });
    expect(created.status).toBe(200);
    expect(catalog.get("shared")).toMatchObject({ spec: { backend: "efs", sizeBytes: 0, options: { backend: "efs", access: "multi-writer", uid: "1000" } }, status: { fresh: false } });
  });

  it("takes -o backend=ebs and -o access=single-writer, keeps them in the spec, and matches a repeated create", async () => {
    const options = { backend: "EBS", access: "single-writer", size: "1" };
    expect((await create("jenkins", options)).status).toBe(200);
    expect(catalog.get("jenkins")?.spec).toMatchObject({ backend: "ebs", options: { size: "1", backend: "ebs", access: "single-writer" } });
    expect((await create("jenkins", options)).status).toBe(200);
    expect((await create("jenkins", null)).status).toBe(200);
  });
});
