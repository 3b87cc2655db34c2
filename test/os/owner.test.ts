import { expect, test } from "bun:test";
import { resolveOwner } from "../../src/os/owner.ts";
import { TsvisorError } from "../../src/errors.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\nadm:x:4:syslog\nops:x:1500:alice,bob\n";
const resolve = (spec: string) => resolveOwner(spec, () => GROUP, () => PASSWD);

test.each([
  ["www-data", { uid: 33, gid: 33 }],
  ["root:adm", { uid: 0, gid: 4 }],
  ["www-data:ops", { uid: 33, gid: 1500 }],
  ["1000:1000", { uid: 1000, gid: 1000 }],
  ["root:77", { uid: 0, gid: 77 }],
])("%p -> %p", (spec, ids) => {
  expect(resolve(spec)).toEqual(ids);
});

test.each([
  ["nobody-here", 'unknown user "nobody-here" in "nobody-here": not in /etc/passwd'],
  ["root:wheel", 'unknown group "wheel" in "root:wheel": not in /etc/group'],
])("%p is refused: %s", (spec, message) => {
  expect(() => resolve(spec)).toThrow(new TsvisorError("UNKNOWN_OWNER", message));
});
