import { describe, expect, it } from "vitest";
import { buildEfsSpec } from "./options.js";
import { decodeShareSpec, encodeShareSpec, maxEfsTagValueLength, type ShareSpec } from "./specTag.js";

/** EFS's own rule for a tag value (the EFS API reference, Tag.Value), in ASCII. */
const efsTagValue = /^[A-Za-z0-9 _.:/=+\-@]{0,256}$/;
const created = "2026-12-03T10:00:00.000Z";

describe("the EFS spec tag", () => {
  it.each<[string, ShareSpec, string]>([
    ["no options", { options: {} }, ""],
    ["the creation time alone", { createdAt: created, options: {} }, created],
    ["the owner, keys sorted", { options: { uid: "1000", mode: "0750", gid: "1000" } }, "gid=1000 mode=0750 uid=1000"],
    ["everything an EFS volume can choose", {
      createdAt: created, options: { backend: "efs", access: "multi-writer", uid: "4294967295", gid: "0", mode: "1777", onRemove: "retain" },
    }, `${created} access=multi-writer backend=efs gid=0 mode=1777 onRemove=retain uid=4294967295`],
    ["a value with EFS's other characters", { options: { note: "a_b.c:d/e=f+g-h@i" } }, "note=a_b.c:d/e=f+g-h@i"],
    ["an empty value", { options: { note: "" } }, "note="],
  ])("%s: encodes to EFS's characters and decodes to the same spec", (_case, spec, text) => {
    const encoded = encodeShareSpec(spec);
    expect(encoded).toBe(text);
    expect(encoded).toMatch(efsTagValue);
    expect(decodeShareSpec(encoded)).toEqual({ fsType: "ext4", createdAt: spec.createdAt ?? new Date(0).toISOString(), options: spec.options });
  });

  it.each<[string, ShareSpec, RegExp]>([
    ["a space in a value", { options: { note: "two words" } }, /option note="two words" cannot be kept in an EFS tag, which holds only letters, digits and _ \. : \/ = \+ - @/],
    ["JSON", { options: { note: '{"a":1}' } }, /option note=.* cannot be kept in an EFS tag/],
    ["a comma", { options: { note: "a,b" } }, /cannot be kept in an EFS tag/],
    ["a letter outside ASCII", { options: { note: "café" } }, /cannot be kept in an EFS tag/],
    ["a key with a dash", { options: { "on-remove": "delete" } }, /option "on-remove" cannot be kept in an EFS tag: option names are a letter/],
    ["a key with =", { options: { "a=b": "c" } }, /option "a=b" cannot be kept/],
    ["a creation time that is no time", { createdAt: "yesterday", options: {} }, /creation time "yesterday" cannot be kept in an EFS tag/],
    ["too long", { options: { note: "x".repeat(maxEfsTagValueLength) } }, /take 261 characters, more than the 256 of an EFS tag/],
  ])("refuses %s with INVALID_ARGUMENT naming why", (_case, spec, message) => {
    expect(() => encodeShareSpec(spec)).toThrow(message);
    expect(() => encodeShareSpec(spec)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it.each([
    ["absent", undefined],
    ["EBS's JSON", '{"f":"ext4","c":"2026-12-03T10:00:00.000Z","o":{}}'],
    ["a word without =", `${created} uid=1 stray`],
    ["a first word that is no time", "yesterday uid=1"],
    ["a key twice", "uid=1 uid=2"],
    ["a bad key", "1uid=1"],
    ["too long", `a=${"x".repeat(maxEfsTagValueLength)}`],
  ])("reads %s as absent", (_case, text) => {
    expect(decodeShareSpec(text)).toBeUndefined();
  });

  it("keeps every spec buildEfsSpec accepts", () => {
    const spec = buildEfsSpec("jenkins", { uid: "1000", gid: "1000", mode: "0750", onRemove: "retain" });
    expect(decodeShareSpec(encodeShareSpec({ createdAt: created, options: spec.options }))?.options).toEqual(spec.options);
  });
});
