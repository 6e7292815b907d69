/**
 * The emulator's one VPC: a subnet per availability zone of the lab's instances (or the
 * subnets the caller lists), with addresses for mount targets. Ids are derived from the
 * zone, so they are the same in every run and the lab can tell each node its subnet.
 */
import { createHash } from "node:crypto";
import type { SubnetSpec } from "./types.js";

/** What the emulator knows of EFS beyond its state: the network, and where NFS really is. */
export interface EfsSettings {
  subnets: readonly SubnetSpec[];
  /** Every mount target's IpAddress when set: the one NFS server that stands for all of them (the lab). */
  mountAddress?: string;
  /** The VPC's default security group, used when CreateMountTarget names none. */
  defaultSecurityGroup: string;
}

const hex = (text: string, digits: number) => createHash("sha256").update(text).digest("hex").slice(0, digits);

export const labVpcId = `vpc-0${hex("swarmvol-lab-vpc", 16)}`;

/** The subnet id the emulator gives `zone` by default: `subnet-0` and 16 hex digits. */
export function labSubnetId(zone: string): string {
  return `subnet-0${hex(`swarmvol-lab-subnet:${zone}`, 16)}`;
}

/** One subnet per zone, in a default-VPC style 172.31.0.0/16 cut into /20s, zones sorted. */
export function defaultSubnets(zones: Iterable<string>): SubnetSpec[] {
  return [...new Set(zones)].sort().map((zone, n) => ({
    subnetId: labSubnetId(zone), zone, vpcId: labVpcId, cidr: `172.31.${16 * (n % 16)}.0/20`,
  }));
}

export function defaultEfsSettings(zones: Iterable<string>, overrides: Partial<EfsSettings> = {}): EfsSettings {
  return {
    subnets: overrides.subnets ?? defaultSubnets(zones),
    defaultSecurityGroup: overrides.defaultSecurityGroup ?? `sg-0${hex("swarmvol-lab-sg", 16)}`,
    ...(overrides.mountAddress === undefined ? {} : { mountAddress: overrides.mountAddress }),
  };
}

const ipToInt = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

/** Whether `ip` is a dotted IPv4 address inside `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split(".").some((p) => Number(p) > 255)) return false;
  const [base = "", bits = "32"] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

/**
 * The lowest free address of the subnet, skipping what AWS reserves: the first four and
 * the last. Undefined when none is free (NoFreeAddressesInSubnet).
 */
export function freeAddress(cidr: string, used: ReadonlySet<string>): string | undefined {
  const [base = "", bits = "32"] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  for (let n = start + 4; n < start + size - 1; n++) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

const directions: Readonly<Record<string, string>> = {
  north: "n", south: "s", east: "e", west: "w", central: "c", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw",
};

/**
 * The zone id AWS would show for a zone name: `us-east-1a` → `use1-az1`. (AWS shuffles the
 * letter-to-id mapping per account; the emulator's account maps them in order.)
 */
export function zoneIdOf(zone: string): string {
  const match = /^([a-z]+)-([a-z]+)-(\d+)([a-z])$/.exec(zone);
  if (match === null) return zone;
  const [, area = "", direction = "", number = "", letter = "a"] = match;
  return `${area}${directions[direction] ?? direction.slice(0, 1)}${number}-az${letter.charCodeAt(0) - 96}`;
}
