/**
 * Hand-written XML in the shapes EC2 sends. Every text value goes through `escapeXml`;
 * element names are constants from this package, never user input.
 */

const NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A scalar element; `undefined` renders nothing, `""` renders `<name/>`. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return "";
  const text = escapeXml(String(value));
  return text === "" ? `<${name}/>` : `<${name}>${text}</${name}>`;
}

/** An element holding already-rendered children. */
export function node(name: string, inner: string): string {
  return inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** A list in EC2 style: `<name><item>…</item>…</name>`, or `<name/>` when empty. */
export function list<T>(name: string, items: readonly T[], render: (item: T) => string): string {
  return node(name, items.map((i) => `<item>${render(i)}</item>`).join(""));
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function tagSetXml(tags: Record<string, string>): string {
  const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  return list("tagSet", entries, ([k, v]) => el("key", k) + el("value", v));
}

/** `<ActionResponse xmlns=…><requestId>…</requestId>…</ActionResponse>` */
export function responseXml(action: string, requestId: string, members: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NS}">` +
    `${el("requestId", requestId)}${members}</${action}Response>`;
}

/** The EC2 error document; the SDK reads `Errors.Error.Code`. */
export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${el("Code", code)}` +
    `${el("Message", message)}</Error></Errors>${el("RequestID", requestId)}</Response>`;
}
