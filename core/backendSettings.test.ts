import { describe, expect, it } from "vitest";
import { backendSettings } from "./backendSettings.js";
import { controllerSettings, loadControllerConfig } from "./clusterConfig.js";

const env = { SWARMVOL_TOKEN: "t" };
const efs = (extraEnv: Record<string, string> = {}, argv: string[] = []) => loadControllerConfig({ ...env, ...extraEnv }, argv).efs;

describe("the backends a controller serves (--backends)", () => {
  it("are ebs unless told: efs is opted into", () => {
    expect(loadControllerConfig(env, [])).toMatchObject({ backends: ["ebs"], defaultBackend: "ebs" });
    expect(loadControllerConfig({ ...env, SWARMVOL_BACKENDS: "EBS, efs,ebs" }, [])).toMatchObject({ backends: ["ebs", "efs"], defaultBackend: "ebs" });
    expect(loadControllerConfig(env, ["--backends", "efs", "--default-backend", "efs"])).toMatchObject({ backends: ["efs"], defaultBackend: "efs" });
  });

  it.each<[string[], RegExp]>([
    [["--backends", "ebs,zfs"], /^invalid --backends "ebs,zfs" \(SWARMVOL_BACKENDS\): give comma-separated controller backends, like ebs or ebs,efs$/],
    [["--backends", "local"], /\(local is all-in-one's backend/],
    [["--backends", " , "], /^invalid --backends/],
    [["--default-backend", "efs"], /^--default-backend efs is not served by this controller \(--backends ebs\): add it to --backends, or give --default-backend ebs$/],
  ])("refuse %j naming the fix", (argv, message) => {
    expect(() => loadControllerConfig(env, argv)).toThrow(message);
  });
});

describe("the controller's EFS pool settings", () => {
  it("default to an encrypted generalPurpose/elastic pool named default, EFS of the region, the VPC's default group", () => {
    expect(efs()).toEqual({
      endpoint: undefined, securityGroups: undefined,
      pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
    });
  });

  it("come from the environment, flags overriding", () => {
    expect(efs({
      AWS_ENDPOINT_URL_EFS: "http://10.213.0.1:4566", SWARMVOL_EFS_POOL: "team-a", SWARMVOL_EFS_PERFORMANCE_MODE: "maxIO",
      SWARMVOL_EFS_THROUGHPUT_MODE: "provisioned", SWARMVOL_EFS_PROVISIONED_MIBPS: "128", SWARMVOL_EFS_KMS_KEY_ID: "alias/swarmvol",
      SWARMVOL_EFS_SECURITY_GROUPS: "sg-0123456789abcdef0, sg-0fedcba9876543210",
    }, ["--efs-pool", "team-b", "--efs-provisioned-mibps=256.5"])).toEqual({
      endpoint: "http://10.213.0.1:4566", securityGroups: ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
      pool: {
        owner: { kind: "pool", pool: "team-b" }, performanceMode: "maxIO", throughputMode: "provisioned", provisionedThroughputMibps: 256.5,
        encrypted: true, kmsKeyId: "alias/swarmvol",
      },
    });
    expect(efs({}, ["--efs-encrypted", "off", "--efs-throughput-mode", "Bursting"]).pool).toMatchObject({ encrypted: false, throughputMode: "bursting" });
  });

  it.each<[string, string[], RegExp]>([
    ["a pool name outside EFS's tag characters", ["--efs-pool", "my pool"], /--efs-pool must be 1 to 64 letters, digits/],
    ["an unknown performance mode", ["--efs-performance-mode", "fast"], /--efs-performance-mode must be generalPurpose or maxIO, got "fast"/],
    ["an unknown throughput mode", ["--efs-throughput-mode", "max"], /--efs-throughput-mode must be elastic, bursting or provisioned/],
    ["maxIO with elastic", ["--efs-performance-mode", "maxIO"], /maxIO cannot have --efs-throughput-mode elastic .*give --efs-throughput-mode bursting or provisioned/],
    ["provisioned without its MiB/s", ["--efs-throughput-mode", "provisioned"], /provisioned needs --efs-provisioned-mibps/],
    ["provisioned with 0 MiB/s", ["--efs-throughput-mode", "provisioned", "--efs-provisioned-mibps", "0"], /at least 1, got "0"/],
    ["MiB/s without provisioned", ["--efs-provisioned-mibps", "100"], /is for --efs-throughput-mode provisioned only \(it is elastic\)/],
    ["encrypted neither on nor off", ["--efs-encrypted", "yes"], /--efs-encrypted must be on or off, got "yes"/],
    ["a key for an unencrypted pool", ["--efs-encrypted", "off", "--efs-kms-key-id", "alias/k"], /--efs-kms-key-id is the key of an encrypted pool/],
    ["a bad security group", ["--efs-security-groups", "sg-1,default"], /--efs-security-groups must be security group ids like sg-0123456789abcdef0, .*got "sg-1"/],
    ["an endpoint that is no URL", ["--efs-endpoint", "localhost:4566"], /--efs-endpoint must be a base URL/],
  ])("refuse %s with INVALID_ARGUMENT naming the flag", (_case, argv, message) => {
    expect(() => efs({}, argv)).toThrow(message);
    expect(() => efs({}, argv)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("are told to a mistyped --efs- flag, among the controller's many", () => {
    expect(() => efs({}, ["--efs-pol", "x"])).toThrow(/^unknown argument "--efs-pol"; valid flags: --efs-endpoint, --efs-pool, .*--efs-security-groups \(and \d+ more; --help lists every flag\)$/);
  });

  it("are in swarmvol controller's table, each with its variable and help", () => {
    for (const [key, setting] of Object.entries(backendSettings)) {
      expect(controllerSettings).toHaveProperty(key, setting);
      expect(setting.help).toBeTruthy();
    }
  });
});
