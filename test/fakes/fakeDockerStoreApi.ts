/**
 * The part of a Docker 20.10 manager that `DockerSwarmStore` talks to (configs and nodes),
 * in memory, answering with the errors docker-modem builds from what a real dockerd sends
 * (observed on 20.10.24, API v1.41; see swarmStore.int.test.ts):
 *   stale or future version  500 {"message":"rpc error: code = Unknown desc = update out of sequence"}
 *   create of a taken name   409 {"message":"rpc error: code = AlreadyExists desc = config NAME already exists"}
 *   unknown config / node    404 {"message":"config X not found"} / {"message":"node X not found"}
 *   config Data or Name edit 400 {"message":"rpc error: code = InvalidArgument desc = only updates to Labels are allowed"}
 * Configs resolve by ID or exact name like the Engine; `name` filters match a prefix.
 */
import type { ConfigSpec } from "../../controller/swarm/swarmStoreCodec.js";
import type { DockerStoreApi, SwarmConfigHandle, SwarmNodeHandle } from "../../controller/swarm/swarmStore.js";

interface Versioned<T> {
  id: string;
  version: number;
  spec: T;
}

const reasons: Record<number, string> = { 400: "bad parameter", 404: "no such object", 409: "name conflicts with an existing object", 500: "server error" };

/** An error shaped like docker-modem's for an HTTP answer. */
export function dockerError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${reasons[statusCode] ?? "unexpected"} - ${message} `), { statusCode, reason: reasons[statusCode], json: { message } });
}

const outOfSequence = () => dockerError(500, "rpc error: code = Unknown desc = update out of sequence");
const copy = <T>(value: T): T => structuredClone(value);

export class FakeDockerStoreApi implements DockerStoreApi {
  readonly configs = new Map<string, Versioned<ConfigSpec>>();
  readonly nodes = new Map<string, Versioned<Record<string, unknown>>>();
  /** Every call as `method target`, in order. */
  readonly calls: string[] = [];
  /** Runs before an update is applied; a test changes the object here to lose the race. */
  beforeUpdate: ((kind: "config" | "node", id: string) => void) | undefined;
  private index = 10;
  private nextId = 0;

  addNode(id: string, labels: Record<string, string> = {}): void {
    this.nodes.set(id, { id, version: this.bump(), spec: { Labels: { ...labels }, Role: "manager", Availability: "active" } });
  }

  /** A write by someone else (Swarm, `docker node update`): new labels, new version. */
  touchNode(id: string, labels: Record<string, string>): void {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    node.spec = { ...node.spec, Labels: { ...(node.spec.Labels as Record<string, string>), ...labels } };
    node.version = this.bump();
  }

  /** Stores a config as given, like an operator's `docker config create`. */
  putRawConfig(spec: ConfigSpec): string {
    const id = `cfg${(this.nextId += 1)}`;
    this.configs.set(id, { id, version: this.bump(), spec: copy(spec) });
    return id;
  }

  async listConfigs(options: { filters: Record<string, string[]> }): Promise<unknown[]> {
    this.calls.push(`listConfigs ${JSON.stringify(options.filters)}`);
    const { label = [], name = [] } = options.filters;
    return [...this.configs.values()]
      .filter((config) => label.every((filter) => matchesLabel(config.spec.Labels, filter)))
      .filter((config) => name.length === 0 || name.some((prefix) => config.spec.Name.startsWith(prefix)))
      .map(configJson);
  }

  async createConfig(options: { _body: ConfigSpec }): Promise<unknown> {
    const spec = options._body;
    this.calls.push(`createConfig ${spec.Name}`);
    if ([...this.configs.values()].some((config) => config.spec.Name === spec.Name)) {
      throw dockerError(409, `rpc error: code = AlreadyExists desc = config ${spec.Name} already exists`);
    }
    return { id: this.putRawConfig(spec) };
  }

  getConfig(idOrName: string): SwarmConfigHandle {
    const find = () => {
      const config = this.configs.get(idOrName) ?? [...this.configs.values()].find((item) => item.spec.Name === idOrName);
      if (!config) throw dockerError(404, `config ${idOrName} not found`);
      return config;
    };
    return {
      inspect: async () => (this.calls.push(`inspectConfig ${idOrName}`), configJson(find())),
      update: async ({ _query, _body }) => {
        this.calls.push(`updateConfig ${idOrName}@${_query.version}`);
        const config = find();
        this.beforeUpdate?.("config", config.id);
        if (config.version !== _query.version) throw outOfSequence();
        if (_body.Name !== config.spec.Name || _body.Data !== config.spec.Data) throw dockerError(400, "rpc error: code = InvalidArgument desc = only updates to Labels are allowed");
        config.spec = copy(_body);
        config.version = this.bump();
        return "";
      },
      remove: async () => {
        this.calls.push(`removeConfig ${idOrName}`);
        this.configs.delete(find().id);
        return "";
      },
    };
  }

  getNode(id: string): SwarmNodeHandle {
    const find = () => {
      const node = this.nodes.get(id);
      if (!node) throw dockerError(404, `node ${id} not found`);
      return node;
    };
    return {
      inspect: async () => (this.calls.push(`inspectNode ${id}`), { ID: id, Version: { Index: find().version }, Spec: copy(find().spec) }),
      update: async ({ _query, _body }) => {
        this.calls.push(`updateNode ${id}@${_query.version}`);
        const node = find();
        this.beforeUpdate?.("node", id);
        if (node.version !== _query.version) throw outOfSequence();
        if (typeof _body.Role !== "string" || _body.Role === "") throw dockerError(400, `invalid Role: ""`);
        node.spec = copy(_body);
        node.version = this.bump();
        return "";
      },
    };
  }

  private bump(): number {
    this.index += 1;
    return this.index;
  }
}

function matchesLabel(labels: Record<string, string>, filter: string): boolean {
  const at = filter.indexOf("=");
  return at < 0 ? filter in labels : labels[filter.slice(0, at)] === filter.slice(at + 1);
}

function configJson(config: Versioned<ConfigSpec>): unknown {
  return { ID: config.id, Version: { Index: config.version }, CreatedAt: "2026-12-02T00:00:00Z", UpdatedAt: "2026-12-02T00:00:00Z", Spec: copy(config.spec) };
}
