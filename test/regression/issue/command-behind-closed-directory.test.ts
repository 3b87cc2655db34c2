// Regression (red team, 2026-12-07): tsvisor checks a program's command as root, and told its user
// "can't find command" for a missing file but "is not executable by uid 65534" for one that exists,
// behind a directory that user may not search. A link of their own into /root's files let them ask,
// through `status`, what lies there. Now all of it reads as the exec would tell them: permission denied.
import { expect, test } from "bun:test";
import { chmodSync, chownSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";
import { NOBODY } from "../../integration/_nobody.ts";

test("a command behind a directory its user may not search: a file, nothing or a directory there all read 'permission denied'", async () => {
  expect(process.getuid?.()).toBe(0);
  using dir = tempDir();
  const [closed, app] = [join(dir.path, "closed"), join(dir.path, "app")];
  mkdirSync(closed, { mode: 0o700 }); // root's alone
  writeFileSync(join(closed, "x"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  mkdirSync(join(closed, "d"));
  mkdirSync(app);
  chownSync(app, NOBODY, NOBODY); // the program's user's directory, with their links into root's
  for (const name of ["x", "nothing", "d"]) {
    symlinkSync(join(closed, name), join(app, name));
    lchownSync(join(app, name), NOBODY, NOBODY);
  }
  const program = (name: string) => `[programs.${name}]\ncommand = ["${join(app, name)}"]\nuser = "nobody"\nstartsecs = 0\nautorestart = false\n`;
  await using daemon = Daemon.start(dir.path, ["x", "nothing", "d"].map(program).join(""));
  await daemon.waitForSocket();
  const reasons = await Promise.all(["x", "nothing", "d"].map((name) =>
    waitFor(async () => (await daemon.status(name))?.reason?.replace(join(app, name), "CMD") ?? undefined, `a reason for ${name}`)));
  expect(reasons).toEqual(Array(3).fill(expect.stringContaining(`command "CMD" is not executable by uid ${NOBODY} (permission denied)`)));
});
