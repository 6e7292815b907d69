import { clipped, notFound, quoted, unavailable } from "../core/errors.js";
import { decideResize, describeResize, type ResizeStatus } from "../core/resize.js";
import type { Catalog } from "../core/ports.js";
import { parseSize } from "../core/units.js";
import { apiPaths } from "./contract.js";
import { resizePaths, type ResizeResponse } from "./resizeContract.js";
import { route } from "./route.js";
import { volumeParams } from "./schemas/bodies.js";
import * as schemas from "./schemas/resize.js";
import type { Route } from "./server.js";
import { accepted } from "./statusAnswer.js";

/** What the resize routes need from the leader's current term (controller/resize/resizeService.ts). */
export interface ResizeOperations {
  /** Records the wanted size and starts the resize, or throws the refusal naming the fix; answers the volume's resize. */
  start(volume: string, sizeBytes: number): Promise<ResizeStatus>;
  /** The volume's latest resize; NOT_FOUND for an unknown volume or one never resized. */
  get(volume: string): ResizeStatus;
}

/** The answer of both routes: the resize and where to follow it. */
export function resizeAnswer(volume: string, resize: ResizeStatus): ResizeResponse {
  return {
    volume, resize, message: describeResize(resize),
    progress: { resize: resizePaths.resize(volume), volume: apiPaths.volume(volume), events: `${apiPaths.eventStream}?volume=${encodeURIComponent(volume)}` },
  };
}

/**
 * The routes of api/resizeContract.ts, the operator's only. `ops` is read per request
 * (each term of leadership has its own); undefined means this process resizes nothing.
 */
export function resizeRoutes(ops: () => ResizeOperations | undefined): Route[] {
  const current = (): ResizeOperations => {
    const found = ops();
    if (!found) throw unavailable("this swarmvol process resizes no volumes: resizes are made by `swarmvol controller`");
    return found;
  };
  return [
    route({
      method: "POST", path: "/v1/volumes/{name}/resize", access: "operator", summary: "Grow the volume and its filesystem (202; 400 naming the least size for a shrink)",
      params: volumeParams, body: schemas.resizeRequest, answer: { status: 202, schema: schemas.resizeResponse, description: "the resize started; follow it at Location" },
      handle: async ({ params, body }) => accepted(resizeAnswer(params.name, await current().start(params.name, parseSize(body.size))), resizePaths.resize(params.name)),
    }),
    route({
      method: "GET", path: "/v1/volumes/{name}/resize", access: "operator", summary: "The volume's latest resize: phase, wanted, cloud and filesystem sizes (404 when never resized)",
      params: volumeParams, answer: { status: 200, schema: schemas.resizeResponse, description: "the resize" },
      handle: ({ params }): ResizeResponse => resizeAnswer(params.name, current().get(params.name)),
    }),
  ];
}

/**
 * The resize routes of a process whose catalog's backend cannot grow volumes (all-in-one on
 * the local backend): an unknown volume is NOT_FOUND, any other refused naming why.
 */
export function catalogOnlyResize(catalog: Pick<Catalog, "get">): ResizeOperations {
  const refuse = (name: string): never => {
    const record = catalog.get(name);
    if (!record) throw notFound(`no such volume ${quoted(name)}: \`swarmvol ls\` lists them`, { name: clipped(name) });
    const decision = decideResize({ record, sizeBytes: record.spec.sizeBytes + 1, canResize: false, now: 0 });
    throw decision.kind === "refused" ? decision.error : unavailable("this swarmvol process resizes no volumes: resizes are made by `swarmvol controller`");
  };
  return { start: async (name) => refuse(name), get: (name) => refuse(name) };
}
