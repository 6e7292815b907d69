import { request } from "node:http";

/** One plugin call the way dockerd makes it (no Content-Type); throws on an `Err`. */
export function callPluginOrThrow(socketPath: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const payload = `${JSON.stringify(body)}\n`;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "POST", headers: { "Content-Length": Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        if (typeof answer.Err === "string" && answer.Err !== "") reject(new Error(`${path}: ${answer.Err}`));
        else resolve(answer);
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}
