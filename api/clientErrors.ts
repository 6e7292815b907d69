import type { Duplex } from "node:stream";

/**
 * Requests node:http refuses before any handler sees them (an unknown method, a target
 * with spaces or control bytes, headers over 16 KiB, a broken chunked body). Node's own
 * answer is a bare `400 Bad Request` without a body, which neither surface's clients can
 * read: Docker shows an empty `Err` and the agents' client finds no error code. Both
 * servers answer these in their own error shape instead (`describe`), then close.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, describe: (message: string) => string): void {
  // A response already on its way (pipelined garbage after a request) must not be interleaved.
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === "ECONNRESET" || !socket.writable || inProgress) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = err.code === "HPE_HEADER_OVERFLOW"
    ? [431, "Request Header Fields Too Large", "request headers (with the target) over 16 KiB"]
    : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "the request did not arrive in time"]
      : [400, "Bad Request", `malformed HTTP request (${err.message}): send a POST or GET with a path like /VolumeDriver.Get or /v1/volumes`];
  const body = describe(message);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
