import { describe, expect, it } from "vitest";
import { checkFiles, checkRows, parseManifest, parseRows, rowPayload, rowsFromOldNodeAfter } from "./verify.js";

describe("rows", () => {
  const found = parseRows([
    `1|${rowPayload(1)}|10.213.0.12|1000.0`,
    `2|${rowPayload(2)}|10.213.0.12|2000`,
    `3|torn|10.213.0.13|3000`,
    `5|${rowPayload(5)}|10.213.0.13|5000`,
    "",
  ].join("\n"));

  it("parses psql's unaligned output", () => {
    expect(found[0]).toEqual({ id: 1, payload: rowPayload(1), node: "10.213.0.12", at: 1000 });
    expect(found).toHaveLength(4);
  });

  it("finds missing and changed acknowledged rows; unacknowledged extra rows are fine", () => {
    expect(checkRows([1, 2, 3, 4], found)).toEqual({ acked: 4, present: 2, missing: [4], corrupt: [3] });
  });

  it("lists rows the fenced node committed after the move", () => {
    expect(rowsFromOldNodeAfter(found, "10.213.0.12", 1500)).toEqual([2]);
    expect(rowsFromOldNodeAfter(found, "10.213.0.12", 2000)).toEqual([]);
  });
});

describe("files", () => {
  const a = "a".repeat(64);
  const b = "b".repeat(64);
  const c = "c".repeat(64);
  const manifest = parseManifest(`${a}  jobs/job-1/config.xml\n${b}  jobs/job-2/builds/5/log\nnoise\n`);

  it("parses sha256sum output", () => {
    expect([...manifest]).toEqual([["jobs/job-1/config.xml", a], ["jobs/job-2/builds/5/log", b]]);
  });

  it("accepts any allowed content and flags missing or other content", () => {
    const accepted = new Map([
      ["jobs/job-1/config.xml", [c, a]],
      ["jobs/job-2/builds/5/log", [c]],
      ["jobs/job-3/config.xml", [a]],
    ]);
    expect(checkFiles(accepted, manifest)).toEqual({ acked: 3, present: 1, missing: ["jobs/job-3/config.xml"], corrupt: ["jobs/job-2/builds/5/log"] });
  });
});
