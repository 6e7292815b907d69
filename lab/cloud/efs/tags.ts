/** TagResource, UntagResource and ListTagsForResource on file systems and access points. */
import type { CloudEngine } from "../engine.js";
import type { Tags } from "../types.js";
import { pathId, queryInt, queryString, tagList, tagsJson, type EfsRequest } from "./body.js";
import { efsErrors } from "./efsError.js";
import { efsPage, type EfsResponse } from "./fileSystems.js";
import { ACCESS_POINT_ID, FILE_SYSTEM_ID } from "./ids.js";

/** The tags of `fs-…` or `fsap-…` (an id or an ARN ending in one); mount targets cannot be tagged. */
function tagsOf(engine: CloudEngine, resource: string): Tags {
  const id = resource.slice(resource.lastIndexOf("/") + 1);
  if (FILE_SYSTEM_ID.test(id)) {
    const fs = engine.state.efs.fileSystems[id];
    if (fs === undefined) throw efsErrors.fileSystemNotFound(id);
    return fs.tags;
  }
  if (ACCESS_POINT_ID.test(id)) {
    const ap = engine.state.efs.accessPoints[id];
    if (ap === undefined) throw efsErrors.accessPointNotFound(id);
    return ap.tags;
  }
  throw efsErrors.badRequest(`Resource '${resource}' is not a file system or access point id.`);
}

/** TagResource: sets or overwrites; 200 with an empty body. More than 50 tags in all is BadRequest. */
export function tagResource(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const tags = tagsOf(engine, pathId(request));
  const added = tagList(request.body.Tags);
  if (Object.keys(added).length === 0) throw efsErrors.badRequest("Tags is required.");
  if (Object.keys({ ...tags, ...added }).length > 50) throw efsErrors.badRequest("A resource can have at most 50 tags.");
  Object.assign(tags, added);
  return { status: 200, body: {} };
}

/** UntagResource: `?tagKeys=a&tagKeys=b`; keys that are not there are ignored. */
export function untagResource(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const tags = tagsOf(engine, pathId(request));
  const keys = request.query.getAll("tagKeys");
  if (keys.length === 0) throw efsErrors.badRequest("TagKeys is required.");
  for (const key of keys) delete tags[key];
  return { status: 200, body: {} };
}

export function listTagsForResource(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const tags = tagsOf(engine, pathId(request));
  const max = queryInt(request.query, "MaxResults", 1, 100) ?? 100;
  const page = efsPage(tagsJson(tags), (t) => t.Key, max, queryString(request.query, "NextToken"));
  return { status: 200, body: { Tags: page.items, ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }) } };
}
