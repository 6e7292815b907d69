/**
 * Properties of what swarmvol reads back from Swarm: task, node, service and event JSON
 * (stack files put users' `driver_opts` there) and its own configs, which an operator can
 * edit with `docker config`. These parsers are defensive by contract: they never throw, and
 * what swarmvol writes it reads back unchanged.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import type { StoredVolume } from "../../../core/clusterStore.js";
import type { LeaseRecord } from "../../../core/leadership.js";
import { parseEvent, parseNode, parseServiceNames, parseTask, parseVolumeMounts } from "../../../controller/swarm/parse.js";
import { leaseFromLabels, leaseToLabels, parseConfigInfo, volumeFromConfig, volumeToConfig } from "../../../controller/swarm/swarmStoreCodec.js";
import { hostileText, jsonLike, stringMap } from "../arbitraries.js";
import { fuzzProperty, type FuzzProperty } from "../budget.js";
import { check } from "../invariants.js";

/** Engine-shaped JSON with hostile leaves, so the parsers get past their first field check. */
const taskLike = fc.record({
  ID: fc.oneof(hostileText, jsonLike), NodeID: fc.oneof(hostileText, jsonLike), ServiceID: fc.oneof(hostileText, jsonLike),
  DesiredState: fc.oneof(fc.constantFrom("running", "shutdown"), jsonLike), Status: fc.oneof(fc.record({ State: fc.oneof(hostileText, jsonLike) }), jsonLike),
  Version: fc.oneof(fc.record({ Index: fc.oneof(fc.integer(), fc.double(), jsonLike) }), jsonLike),
  Spec: fc.oneof(fc.record({ ContainerSpec: fc.record({ Mounts: fc.oneof(fc.array(fc.record({
    Type: fc.oneof(fc.constant("volume"), jsonLike), Source: fc.oneof(hostileText, jsonLike), Target: fc.oneof(hostileText, jsonLike),
    VolumeOptions: fc.oneof(fc.record({ DriverConfig: fc.record({ Name: fc.oneof(fc.constant("swarmvol"), jsonLike), Options: fc.oneof(stringMap, jsonLike) }) }), jsonLike),
  }), { maxLength: 3 }), jsonLike) }) }), jsonLike),
}, { requiredKeys: [] });

const noThrow = (name: string, parse: (raw: unknown) => unknown, arbitrary: fc.Arbitrary<unknown>): FuzzProperty =>
  fuzzProperty(name, 1, () => fc.property(arbitrary, (raw) => void parse(raw)));

const volumeArb: fc.Arbitrary<StoredVolume> = fc.record({
  uid: fc.string({ minLength: 1 }), createdAt: fc.string(), formatted: fc.boolean(),
  spec: fc.record({
    name: fc.string({ minLength: 1, unit: "grapheme" }), backend: fc.string(), sizeBytes: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    fsType: fc.constantFrom("ext4" as const, "xfs" as const), options: stringMap,
  }),
});

const leaseArb: fc.Arbitrary<LeaseRecord> = fc.record({
  holder: fc.string(), holderUrl: fc.string(), acquiredAt: fc.string(), renewedAt: fc.string(),
  leaseDurationMs: fc.nat(), renewPeriodMs: fc.nat(), transitions: fc.nat(),
});

export const swarmInputProperties: FuzzProperty[] = [
  noThrow("parseTask: never throws", (raw) => parseTask(raw, ["swarmvol"], new Map([["s", "svc"]])), fc.oneof(taskLike, jsonLike)),
  noThrow("parseVolumeMounts: never throws", (raw) => parseVolumeMounts(raw, ["swarmvol"]), fc.oneof(fc.array(taskLike), jsonLike)),
  noThrow("parseNode: never throws", parseNode, fc.oneof(taskLike, jsonLike)),
  noThrow("parseServiceNames: never throws", parseServiceNames, fc.oneof(fc.array(taskLike), jsonLike)),
  noThrow("parseEvent: never throws", parseEvent, fc.oneof(taskLike, jsonLike)),
  noThrow("parseConfigInfo and volumeFromConfig: never throw", (raw) => {
    const info = parseConfigInfo(raw);
    if (info) volumeFromConfig(info);
  }, fc.record({ ID: fc.oneof(hostileText, jsonLike), Version: fc.record({ Index: fc.nat() }), Spec: fc.record({
    Name: fc.oneof(hostileText, jsonLike), Labels: fc.oneof(stringMap, jsonLike),
    Data: fc.oneof(hostileText, jsonLike.map((value) => Buffer.from(JSON.stringify(value) ?? "").toString("base64"))),
  }) }, { requiredKeys: [] })),
  fuzzProperty("volume configs: read back what was written", 1, () => fc.property(volumeArb, (volume) => {
    const config = volumeToConfig(volume);
    const read = volumeFromConfig({ id: "c1", version: 1, spec: config });
    check(isDeepStrictEqual(read, volume), `read back ${JSON.stringify(read)}`);
  })),
  fuzzProperty("lease labels: read back what was written, never throw", 1, () => fc.property(leaseArb, stringMap, (lease, labels) => {
    check(isDeepStrictEqual(leaseFromLabels(leaseToLabels(lease)), lease), "lease read back otherwise");
    leaseFromLabels(labels);
  })),
];
