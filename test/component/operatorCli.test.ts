import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Credentials } from "../../api/credentials.js";
import { controllerRoutes, readRoutes } from "../../api/routes.js";
import { ApiServer } from "../../api/server.js";
import { operatorCommand, type OperatorCommandName } from "../../cli/operatorCommands.js";
import { ClaimBook } from "../../controller/claims.js";
import { GrantWaiters } from "../../controller/grantWaiters.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { VolumeService } from "../../controller/volumeService.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { LocalBackend } from "../../storage/local/localBackend.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { SteppedClock } from "../fakes/steppedClock.js";

/** The operator commands in-process against a real ApiServer over a real VolumeService and NodeRegistry. */
const token = "s3cret";
const credentials = new Credentials(token);
let servers: ApiServer[] = [];
let base: string;
let catalog: MemoryCatalog;
let registry: NodeRegistry;
let service: VolumeService;
let clock: FakeClock;

const spec = new LocalBackend("/unused", { run: async () => ({ code: 0, stdout: "", stderr: "" }) });
const swarmNode = (id: string, hostname: string, state: SwarmNode["state"]): SwarmNode =>
  ({ id, version: 1, hostname, role: "worker", availability: "active", state, address: "10.0.0.1", labels: {}, volumePlugins: ["swarmvol"] });
const swarmNodes = [swarmNode("n1", "node1", "ready"), swarmNode("n2", "node2", "down")];

async function serve(server: ApiServer): Promise<string> {
  servers.push(server);
  return `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
}

beforeEach(async () => {
  clock = new FakeClock();
  catalog = new MemoryCatalog();
  registry = new NodeRegistry(clock, 10_000);
  const claims = new ClaimBook(clock, 5_000);
  const metrics = new PromControllerMetrics({ defaultMetrics: false });
  let uid = 0;
  service = new VolumeService({
    catalog, cloud: new FakeCloud(), journal: new MemoryJournal(), registry, claims, clock, logger: silentLogger, metrics,
    buildSpec: (name, options) => ({ ...spec.buildSpec(name, options), backend: "ebs" }),
    wantsOf: (name) => claims.wants(name, () => false), enqueue: () => undefined, newUid: () => `u${++uid}`, grants: new GrantWaiters(new SteppedClock()),
  });
  const routes = [
    ...readRoutes({ catalog, metrics: metrics.exposition, health: () => ({ mode: "controller", role: "leader", leader: null, replica: "m1-1" }) }),
    ...controllerRoutes({
      volumes: () => service,
      nodes: () => ({ fence: (id) => registry.fence(id), unfence: (id) => registry.unfence(id), nodeViews: () => registry.views(swarmNodes) }),
    }),
  ];
  base = await serve(new ApiServer({ routes, logger: silentLogger, credentials }));
});
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function run(name: OperatorCommandName, argv: string[], env: NodeJS.ProcessEnv = { SWARMVOL_TOKEN: token, SWARMVOL_CONTROLLER: base }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await operatorCommand(name, argv, { env, out: (text) => out.push(text), err: (text) => err.push(text), now: () => clock.now() });
  return { code, out: out.join(""), err: err.join("") };
}

async function grantedVolume(): Promise<VolumeRecord> {
  await service.create("db", { size: "2" });
  const record = catalog.get("db")!;
  const t2 = Date.parse("2026-11-22T09:59:00.000Z");
  const moved: VolumeRecord = {
    ...record,
    status: {
      ...record.status, epoch: 3, backendId: "vol-1", zone: "z1",
      grantedTo: { nodeId: "n1", instanceId: "i-1", device: "/dev/xvdba", epoch: 3, since: "2026-11-22T09:59:04.000Z" },
      condition: { reason: "HolderAlive", message: "in use on node node2; stop the container using it there first", since: "2026-11-22T09:59:05.000Z" },
      lastMove: { fromNode: "n2", toNode: "n1", t2Seen: t2, t3Fenced: t2 + 500, t4Detached: t2 + 2000, t5Attached: t2 + 4250, forced: true },
    },
  };
  await catalog.put(moved);
  return moved;
}

describe("swarmvol ls and inspect", () => {
  it("lists volumes as a table and as JSON", async () => {
    await grantedVolume();
    await service.create("web", null);
    const table = await run("ls", []);
    expect(table.code).toBe(0);
    expect(table.out.split("\n")[0]).toMatch(/^NAME +SIZE +FS +EPOCH +GRANTED TO +ZONE +CONDITION$/);
    expect(table.out).toMatch(/db +2GiB +ext4 +3 +n1 +z1 +HolderAlive/);
    const json = await run("ls", ["--json"]);
    expect((JSON.parse(json.out) as VolumeRecord[]).map((volume) => volume.spec.name).sort()).toEqual(["db", "web"]);
  });

  it("filters the list through the API (--filter key=value, repeatable), and names the keys for a wrong one (exit 2)", async () => {
    await grantedVolume();
    await service.create("web", null);
    const names = async (...filters: string[]) => (JSON.parse((await run("ls", [...filters.flatMap((f) => ["--filter", f]), "--json"])).out) as VolumeRecord[]).map((v) => v.spec.name).sort();
    expect(await names("node=n1")).toEqual(["db"]);
    expect(await names("condition=ok")).toEqual(["web"]);
    expect(await names("condition=HolderAlive", "zone=z1")).toEqual(["db"]);
    expect(await names("backend=ebs")).toEqual(["db", "web"]);
    expect(await names("node=n9")).toEqual([]);
    const wrong = await run("ls", ["-f", "dangling=true"]);
    expect([wrong.code, wrong.err]).toEqual([2, expect.stringContaining("use key=value with key one of node, condition, backend, zone")]);
    const api = await fetch(`${base}/v1/volumes?node=n1`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await api.json()) as { volumes: VolumeRecord[] }).volumes.map((v) => v.spec.name)).toEqual(["db"]);
  });

  it("inspects one volume: spec, status, condition and the last move's phases after t2", async () => {
    const record = await grantedVolume();
    const text = await run("inspect", ["db", "--controller", base]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Size: +2GiB/);
    expect(text.out).toMatch(/Options: +size=2/);
    expect(text.out).toMatch(/GrantedTo: +n1 \(instance i-1, \/dev\/xvdba, epoch 3/);
    expect(text.out).toMatch(/Condition: +HolderAlive since .*: in use on node node2; stop the container/);
    expect(text.out).toMatch(/LastMove: +n2 -> n1 \(forced\)/);
    expect(text.out).toMatch(/t3 fenced +\+0\.50s/);
    expect(text.out).toMatch(/t5 attached +\+4\.25s/);
    expect(text.out).toMatch(/t7 mounted +-/);
    expect(JSON.parse((await run("inspect", ["db", "--json"])).out)).toEqual(record);
  });

  it("an unknown volume exits 3 with the controller's words", async () => {
    const missing = await run("inspect", ["nope"]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/^swarmvol: no such volume "nope"/);
  });
});

describe("swarmvol nodes, fence and unfence", () => {
  beforeEach(async () => {
    await service.heartbeat("n1", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 3 }] });
  });

  it("lists nodes with their lease live or expired against the leader's clock", async () => {
    const table = await run("nodes", []);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/n1 +node1 +ready +live +i-1 +z1 +db +no/);
    expect(table.out).toMatch(/n2 +node2 +down +never +- +- +- +no/);
    clock.current += 10_001;
    expect((await run("nodes", [])).out).toMatch(/n1 +node1 +ready +expired/);
    const json = JSON.parse((await run("nodes", ["--json"])).out) as Array<{ nodeId: string }>;
    expect(json.map((node) => node.nodeId).sort()).toEqual(["n1", "n2"]);
  });

  it("fences by hostname, says what it did and warns of force-detaches; unfence takes it back", async () => {
    await grantedVolume();
    const fenced = await run("fence", ["node1"]);
    expect(fenced.code).toBe(0);
    expect(fenced.out).toBe("fenced node n1 (node1): the controller counts it down for good\n");
    expect(fenced.err).toMatch(/^warning: the volumes granted to node1 \(db\) may now be force-detached.*`swarmvol unfence n1`/);
    expect(registry.view("n1", swarmNodes[0])?.operatorFenced).toBe(true);
    expect((await run("nodes", [])).out).toMatch(/n1 .* db +yes/);
    const back = await run("unfence", ["n1", "--json"]);
    expect(JSON.parse(back.out)).toEqual({ nodeId: "n1", hostname: "node1", fenced: false });
    expect(registry.view("n1", swarmNodes[0])?.operatorFenced).toBeUndefined();
  });

  it("refuses to fence a node nobody knows (exit 3, naming `swarmvol nodes`)", async () => {
    const unknown = await run("fence", ["node9"]);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toMatch(/no node "node9" known to the controller.*`swarmvol nodes` lists them/);
  });
});

describe("operator command settings and failures", () => {
  it("reads the token from SWARMVOL_TOKEN_FILE", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarmvol-cli-"));
    try {
      await writeFile(join(dir, "token"), `${token}\n`);
      expect((await run("ls", [], { SWARMVOL_TOKEN_FILE: join(dir, "token"), SWARMVOL_CONTROLLER: base })).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a wrong or missing token exits 9 naming SWARMVOL_TOKEN_FILE; --token on argv is refused", async () => {
    const wrong = await run("ls", [], { SWARMVOL_TOKEN: "wrong", SWARMVOL_CONTROLLER: base });
    expect(wrong.code).toBe(9);
    expect(wrong.err).toMatch(/missing or wrong API token.*SWARMVOL_TOKEN_FILE/);
    const missing = await run("nodes", [], { SWARMVOL_CONTROLLER: base });
    expect(missing.code).toBe(9);
    expect(missing.err).toMatch(/no API token: set SWARMVOL_TOKEN_FILE/);
    const argv = await run("ls", ["--token", token]);
    expect(argv.code).toBe(2);
    expect(argv.err).toMatch(/no --token flag.*SWARMVOL_TOKEN_FILE/);
  });

  it("bad usage exits 2 naming the usage; --help needs no token and shows an example", async () => {
    const noName = await run("inspect", []);
    expect(noName.code).toBe(2);
    expect(noName.err).toMatch(/missing NAME; usage: swarmvol inspect NAME/);
    expect((await run("ls", ["extra"])).code).toBe(2);
    expect((await run("nodes", ["--controler", base])).err).toMatch(/unknown argument "--controler"; valid flags: --controller/);
    const help = await run("fence", ["--help"], {});
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: swarmvol fence NODE[\s\S]*example:\n {2}swarmvol fence node3/);
  });

  it("a standby-only endpoint list exits 8 (UNAVAILABLE) naming the leader the standby hinted", async () => {
    const gone = new ApiServer({ routes: [], logger: silentLogger, credentials });
    const leader = `http://127.0.0.1:${await gone.listen("127.0.0.1", 0)}`;
    await gone.close();
    const routes = readRoutes({ catalog, metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => ({ mode: "controller", role: "standby", leader }) });
    const standby = await serve(new ApiServer({ routes, logger: silentLogger, credentials, leadership: { isLeader: () => false, leaderUrl: () => leader } }));
    const answer = await run("ls", ["--controller", standby]);
    expect(answer.code).toBe(8);
    expect(answer.err).toContain(leader);
    expect(answer.err).toMatch(/`swarmvol status` shows every replica's role/);
  });
});

describe("against an all-in-one", () => {
  it("nodes exits 3 saying node routes live in the cluster controller", async () => {
    const allInOne = await serve(new ApiServer({ routes: readRoutes({ catalog, metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => ({ mode: "all-in-one" }) }), logger: silentLogger, credentials: undefined }));
    const answer = await run("nodes", ["--controller", allInOne]);
    expect(answer.code).toBe(3);
    expect(answer.err).toMatch(/no route GET \/v1\/nodes.*all-in-one .* has no node routes/);
    expect((await run("status", ["--controller", allInOne])).out).toMatch(/all-in-one +- +-\nserving: /);
  });
});

describe("swarmvol status", () => {
  const replica = (leaderUrl: () => string | undefined, isLeader: () => boolean, id: string) => new ApiServer({
    logger: silentLogger, credentials, leadership: { isLeader, leaderUrl },
    routes: readRoutes({ catalog, metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => ({ mode: "controller", role: isLeader() ? "leader" : "standby", leader: leaderUrl() ?? null, replica: id }) }),
  });

  it("asks every replica: which leads, which stand by, which do not answer", async () => {
    const urls = { leader: "" };
    const leader = await serve(replica(() => urls.leader, () => true, "m1-10"));
    urls.leader = leader;
    const standby = await serve(replica(() => urls.leader, () => false, "m2-20"));
    const dead = "http://127.0.0.1:1";
    const text = await run("status", ["--controller", [standby, leader, dead].join(",")]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`${standby} +standby +m2-20 +${leader}`));
    expect(text.out).toMatch(new RegExp(`${leader} +leader +m1-10`));
    expect(text.out).toMatch(new RegExp(`${dead} +unreachable`));
    expect(text.out).toContain(`serving: ${leader}\n`);
    const json = JSON.parse((await run("status", ["--json", "--controller", `${standby},${leader}`])).out) as { serving: string[] };
    expect(json.serving).toEqual([leader]);
  });

  it("exits 8 when no replica serves, having asked the leader the standbys name", async () => {
    const named = "http://127.0.0.1:1";
    const standby = await serve(replica(() => named, () => false, "m2-20"));
    const answer = await run("status", ["--controller", standby]);
    expect(answer.code).toBe(8);
    expect(answer.out).toMatch(new RegExp(`${named} +unreachable`));
    expect(answer.out).toContain(`no replica asked is serving; the standbys name ${named} as leader`);
    expect(answer.err).toMatch(/is `swarmvol controller` running on the managers/);
  });
});
