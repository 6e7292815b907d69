/**
 * Generators of hostile HTTP requests for both surfaces: odd methods and targets (`//`,
 * `%zz`, unicode, overlong), malformed, truncated, mistyped and oversized bodies, and
 * deliveries that stop halfway. The body's framing (Content-Length or chunked) is kept
 * consistent unless the request is broken off anyway, so no case waits for bytes that
 * never come.
 */
import fc from "fast-check";
import { hostileText, jsonLike, longText } from "./arbitraries.js";
import type { Delivery, RawRequest } from "./rawHttp.js";

const oddMethods = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO", "M-SEARCH", "PROPFIND"];

export const methodLike = (usual: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...oddMethods) });

/** Targets near the real ones: doubled slashes, bad escapes, queries, unicode, 8-20 KB long. */
export function targetLike(real: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const odd = fc.constantFrom("/", "//", "*", "/%zz", "/%", "/%00", "/__proto__", "/constructor", "/toString", "/\u00e9t\u00e9", "/\ud83d\ude00",
    "http://x/VolumeDriver.List", "/v1/volumes/%zz", "/v1/volumes/a%2Fb", "/v1//volumes", "/v1/volumes/..%2F..", "/v1/nodes/%E2%80%AE/heartbeat");
  return fc.oneof(
    { weight: 6, arbitrary: real },
    { weight: 2, arbitrary: odd },
    { weight: 2, arbitrary: fc.tuple(real, fc.constantFrom("/", "?", "?a=%zz&b", "#x", "/x", "%zz", "//")).map(([path, tail]) => path + tail) },
    { weight: 1, arbitrary: fc.tuple(real, fc.constantFrom("/", "a", "%41"), fc.constantFrom(2_000, 8_000, 20_000)).map(([path, piece, times]) => path + piece.repeat(times)) },
  );
}

/** A JSON text cut at a random point (the truncated bodies a dying client sends). */
const truncatedJson = fc.tuple(jsonLike, fc.nat()).map(([value, cut]) => {
  const text = JSON.stringify(value) ?? "";
  return text.slice(0, text.length === 0 ? 0 : cut % text.length);
});

/** Bodies: mostly JSON objects with the given fields, hostile; also truncated, non-object, binary and long. */
export function bodyLike(fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fields.map((object) => Buffer.from(`${JSON.stringify(object)}\n`)) },
    { weight: 2, arbitrary: truncatedJson.map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: jsonLike.map((value) => Buffer.from(JSON.stringify(value) ?? "")) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.oneof(hostileText, longText).map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );
}

/** Chunked transfer coding of `body`, in chunks of `size` bytes. */
export function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

type Framing = "length" | "chunked" | "none" | "short" | "long";

/** A whole request: method, target, headers, framing and delivery, all hostile now and then. */
export function requestLike(options: {
  methods: readonly string[];
  target: fc.Arbitrary<string>;
  body: fc.Arbitrary<Buffer>;
  headers?: fc.Arbitrary<Record<string, string>>;
}): fc.Arbitrary<RawRequest> {
  return fc.record({
    method: methodLike(options.methods),
    target: targetLike(options.target),
    body: options.body,
    headers: options.headers ?? fc.constant({}),
    framing: fc.oneof({ weight: 8, arbitrary: fc.constant<Framing>("length") }, { weight: 1, arbitrary: fc.constantFrom<Framing>("chunked", "none", "short", "long") }),
    delivery: fc.oneof({ weight: 8, arbitrary: fc.constant<Delivery>("whole") }, { weight: 1, arbitrary: fc.constantFrom<Delivery>("pieces", "end", "destroy") }),
    contentType: fc.option(fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"), { nil: undefined }),
  }).map(({ method, target, body, headers, framing, delivery, contentType }) => frame({ method, target, headers: { ...headers, ...(contentType ? { "Content-Type": contentType } : {}) }, body, delivery }, framing));
}

/** Applies the framing; a Content-Length longer than the body is only sent by a request that breaks off. */
function frame(request: RawRequest, framing: Framing): RawRequest {
  const { body, headers } = request;
  switch (framing) {
    case "length": return { ...request, headers: { ...headers, "Content-Length": String(body.length) } };
    case "chunked": return { ...request, headers: { ...headers, "Transfer-Encoding": "chunked" }, body: chunked(body, 5) };
    case "none": return { ...request, body: Buffer.alloc(0) };
    case "short": return { ...request, headers: { ...headers, "Content-Length": String(Math.floor(body.length / 2)) } };
    case "long": return { ...request, headers: { ...headers, "Content-Length": String(body.length + 10) }, delivery: request.delivery === "destroy" ? "destroy" : "end" };
  }
}

/** Whether the client broke the request off: then no answer is acceptable. */
export function brokenOff(request: RawRequest): boolean {
  return request.delivery === "end" || request.delivery === "destroy";
}
