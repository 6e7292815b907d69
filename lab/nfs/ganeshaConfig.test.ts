import { describe, expect, it } from "vitest";
import { ganeshaConfig, isQuotable, type NfsExport } from "./ganeshaConfig.js";
import { nfsUrl } from "./libnfs.js";

const options = { host: "10.213.0.1", port: 2049, recoveryDir: "/var/lib/svlab/cloud/nfs/recovery" };
const fsExport: NfsExport = { exportId: 1, path: "/var/lib/svlab/cloud/efs/fs-01", pseudo: "/fs-01" };
const apExport: NfsExport = { exportId: 2, path: "/var/lib/svlab/cloud/efs/fs-01/swarmvol/data", pseudo: "/fsap-01", squashTo: { uid: 1000, gid: 50 } };

describe("ganeshaConfig", () => {
  it("serves NFSv4 only on one address and port, without NLM, RQUOTA, grace or Kerberos", () => {
    const text = ganeshaConfig(options, []);
    expect(text).toContain("NFS_CORE_PARAM {\n  Protocols = 4;\n  NFS_Port = 2049;\n  Bind_addr = 10.213.0.1;\n  Enable_NLM = false;\n  Enable_RQUOTA = false;\n}");
    expect(text).toContain('Graceless = true;\n  Only_Numeric_Owners = true;\n  RecoveryBackend = "fs";\n  RecoveryRoot = "/var/lib/svlab/cloud/nfs/recovery";');
    expect(text).toContain("NFS_KRB5 { Active_krb5 = false; }");
    expect(text).not.toContain("EXPORT");
  });

  it("writes a VFS export per entry, in id order: a file system unsquashed, an access point squashed to its user", () => {
    const text = ganeshaConfig(options, [apExport, fsExport]);
    expect(text.indexOf("Export_Id = 1;")).toBeLessThan(text.indexOf("Export_Id = 2;"));
    expect(text).toContain([
      "EXPORT {", "  Export_Id = 2;", '  Path = "/var/lib/svlab/cloud/efs/fs-01/swarmvol/data";', '  Pseudo = "/fsap-01";',
      "  Access_Type = RW;", "  Protocols = 4;", "  Transports = TCP;",
      "  Squash = All_Squash; Anonymous_Uid = 1000; Anonymous_Gid = 50;", "  Attr_Expiration_Time = 0;", "  FSAL { Name = VFS; }", "}",
    ].join("\n"));
    expect(text).toContain('  Pseudo = "/fs-01";\n  Access_Type = RW;\n  Protocols = 4;\n  Transports = TCP;\n  Squash = No_Root_Squash;');
    expect(ganeshaConfig(options, [fsExport, apExport])).toBe(text);
  });

  it("refuses what it cannot write: duplicate ids or pseudo paths, ids out of range, quotes, relative paths", () => {
    expect(() => ganeshaConfig(options, [fsExport, { ...apExport, exportId: 1 }])).toThrow(/used twice/);
    expect(() => ganeshaConfig(options, [fsExport, { ...apExport, pseudo: "/fs-01" }])).toThrow(/used twice/);
    expect(() => ganeshaConfig(options, [{ ...fsExport, exportId: 0 }])).toThrow(/1\.\.65535/);
    expect(() => ganeshaConfig(options, [{ ...fsExport, path: '/a"b' }])).toThrow(/cannot be written/);
    expect(() => ganeshaConfig(options, [{ ...fsExport, pseudo: "fs-01" }])).toThrow(/absolute/);
    expect([isQuotable("/swarmvol/my data"), isQuotable("/a\\b"), isQuotable("/a\nb")]).toEqual([true, false, false]);
  });
});

describe("nfsUrl", () => {
  it("names NFSv4 and the port, escaping each path component", () => {
    expect(nfsUrl("127.0.0.1", 20490, "/fsap-01/my file.txt")).toBe("nfs://127.0.0.1/fsap-01/my%20file.txt?version=4&nfsport=20490");
    expect(nfsUrl("10.213.0.1", 2049, "fs-01")).toBe("nfs://10.213.0.1/fs-01?version=4&nfsport=2049");
  });
});
