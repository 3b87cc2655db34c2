import { describe, expect, test } from "bun:test";
import { groupsOf, lookupUser, parsePasswd } from "../../src/os/users.ts";

describe("parsePasswd", () => {
  test.each([
    ["root:x:0:0:root:/root:/bin/bash", [{ name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash" }]],
    ["app:x:1000:1001::/home/app:/bin/sh\r\n", [{ name: "app", uid: 1000, gid: 1001, home: "/home/app", shell: "/bin/sh" }]],
    ["min:x:5:6", [{ name: "min", uid: 5, gid: 6, home: "", shell: "" }]],
    ["# comment\n\n+nisuser::::::\n-other::::::", []],
    ["bad:x:abc:0:::\nshort:x:1\n:x:1:1:::", []],
    ["a:x:1:1:::\nb:x:2:2:::", [{ name: "a", uid: 1, gid: 1, home: "", shell: "" }, { name: "b", uid: 2, gid: 2, home: "", shell: "" }]],
  ])("%p", (text, entries) => expect(parsePasswd(text)).toEqual(entries));
});

describe("lookupUser", () => {
  const passwd = () => "root:x:0:0:root:/root:/bin/bash\napp:x:1000:2000::/home/app:/bin/sh\n";
  test.each([
    ["app", { name: "app", uid: 1000, gid: 2000 }],
    ["1000", { name: "app", uid: 1000, gid: 2000 }],
    [1000, { name: "app", uid: 1000, gid: 2000 }],
    ["4242", { name: "4242", uid: 4242, gid: 4242 }],
    ["nobody", null],
  ] as const)("%p -> %p", (input, found) => expect(lookupUser(input, passwd)).toEqual(found));

  test("without /etc/passwd (a scratch image) only numeric uids resolve", () => {
    const missing = () => {
      throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    };
    expect([lookupUser("root", missing), lookupUser(7, missing)]).toEqual([null, { name: "7", uid: 7, gid: 7 }]);
  });

  test("root and nobody exist on this machine (Debian)", () => {
    expect([lookupUser("root"), lookupUser("nobody")]).toEqual([
      { name: "root", uid: 0, gid: 0 },
      { name: "nobody", uid: 65534, gid: 65534 },
    ]);
  });
});

describe("groupsOf", () => {
  const group = () => [
    "root:x:0:", "# a comment", "adm:x:4:syslog,app", "audio:x:29:app", "staff:x:50:", "+nis", "bad:x:notanumber:app",
    "huge:x:4294967295:app", "docker:x:999:app\r", "app:x:1000:", "dup:x:29:app",
  ].join("\n");
  test("the primary gid first, then every group naming the user, as initgroups(3)", () => {
    expect(groupsOf("app", 1000, group)).toEqual([1000, 4, 29, 999]);
  });
  test("a user in no group, and a machine without /etc/group, get the primary gid only", () => {
    const missing = () => { throw Object.assign(new Error("no file"), { code: "ENOENT" }); };
    expect([groupsOf("nobody", 65534, group), groupsOf("app", 1000, missing)]).toEqual([[65534], [1000]]);
  });
  test("a name is matched whole, not as part of another", () => {
    expect(groupsOf("ap", 1000, group)).toEqual([1000]);
  });
});
