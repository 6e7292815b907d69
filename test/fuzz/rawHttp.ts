/**
 * A deliberately naive HTTP/1.1 client over a raw socket, so the fuzzer can send what no
 * well-behaved client would: odd methods, unescaped or overlong targets, truncated bodies,
 * bodies cut off by a closed connection. node:http's client refuses most of these itself.
 */
import { connect, type Socket } from "node:net";

export type Endpoint = { socketPath: string } | { port: number };

/** How the request leaves: whole, in pieces, or broken off halfway (`end`: then half-close; `destroy`: then reset). */
export type Delivery = "whole" | "pieces" | "end" | "destroy";

export interface RawRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: Buffer;
  delivery: Delivery;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function open(endpoint: Endpoint): Socket {
  return "socketPath" in endpoint ? connect(endpoint.socketPath) : connect(endpoint.port, "127.0.0.1");
}

/** The request's bytes: head (Connection: close, so the server ends the exchange), then body. */
export function encodeRequest(request: RawRequest): { head: Buffer; body: Buffer } {
  const headers = { Host: "swarmvol", Connection: "close", ...request.headers };
  const lines = [`${request.method} ${request.target} HTTP/1.1`, ...Object.entries(headers).map(([key, value]) => `${key}: ${value}`)];
  return { head: Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8"), body: request.body };
}

/** Splits the server's bytes into status, headers and body; undefined when it sent no status line. */
export function decodeAnswer(bytes: Buffer): RawAnswer | undefined {
  const text = bytes.toString("utf8");
  const end = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...headerLines] = (end < 0 ? text : text.slice(0, end)).split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers, body: end < 0 ? "" : text.slice(end + 4) };
}

/**
 * Sends one request and resolves with the answer, or undefined when the connection ended
 * without one (allowed only when the request itself was broken off). Never rejects: a reset
 * is an outcome, and the properties decide whether it was acceptable.
 */
export function exchange(endpoint: Endpoint, request: RawRequest): Promise<RawAnswer | undefined> {
  const { head, body } = encodeRequest(request);
  return new Promise((resolve) => {
    const socket = open(endpoint);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(decodeAnswer(Buffer.concat(chunks))));
    socket.once("connect", () => void send(socket, head, body, request.delivery));
  });
}

async function send(socket: Socket, head: Buffer, body: Buffer, delivery: Delivery): Promise<void> {
  const write = (bytes: Buffer) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.write(bytes, () => resolve())));
  await write(head);
  if (delivery === "whole") {
    await write(body);
  } else {
    // Pieces of a few bytes, each its own write (and usually its own TCP segment or read).
    const half = delivery === "pieces" ? body.length : Math.floor(body.length / 2);
    for (let at = 0; at < half; at += 7) await write(body.subarray(at, Math.min(half, at + 7)));
  }
  // A whole request keeps its write side open, as Docker's client does: node:http aborts a
  // request still being answered when the client half-closes (httpAllowHalfOpen is false).
  // Connection: close makes the server end the exchange once it has answered.
  if (delivery === "destroy") socket.destroy();
  else if (delivery === "end" && !socket.destroyed) socket.end();
}

/** A JSON POST the way dockerd sends plugin calls (no Content-Type). */
export function post(target: string, body: unknown, headers: Record<string, string> = {}): RawRequest {
  const bytes = Buffer.from(body === undefined ? "" : `${JSON.stringify(body)}\n`);
  return { method: "POST", target, headers: { "Content-Length": String(bytes.length), ...headers }, body: bytes, delivery: "whole" };
}
