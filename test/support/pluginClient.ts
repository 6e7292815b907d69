import { request } from "node:http";

export interface PluginAnswer {
  status: number;
  body: Record<string, unknown>;
  contentType: string | undefined;
}

/**
 * Calls a plugin socket exactly as dockerd 20.10 does: POST, no Content-Type, the v1.2
 * Accept header, Host plugin.moby.localhost, and a Go-encoder body ending in "\n".
 * `raw` sends a body verbatim (for malformed-input tests).
 */
export function callPlugin(socketPath: string, path: string, body?: unknown, raw?: string | Buffer): Promise<PluginAnswer> {
  const payload = raw ?? (body === undefined ? "" : `${JSON.stringify(body)}\n`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path,
        method: "POST",
        headers: { Host: "plugin.moby.localhost", Accept: "application/vnd.docker.plugins.v1.2+json", "Content-Length": Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, contentType: res.headers["content-type"] });
        });
      },
    );
    req.on("error", reject);
    // A server that answers before reading a huge body may close while our write is still
    // completing; that late EPIPE belongs to no request any more.
    req.on("socket", (socket) => socket.on("error", () => undefined));
    req.end(payload);
  });
}
