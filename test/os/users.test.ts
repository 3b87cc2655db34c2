import { describe, expect, test } from "bun:test";
import { lookupUser, parsePasswd } from "../../src/os/users.ts";

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
