// Regression (red team, 2026-12-07): tsvisor checks a program's command as root, and told its user
// "can't find command" for a missing file but "is not executable by uid 65534" for one that exists,
// behind a directory that user may not search. A link of their own into /root's files let them ask,
// through `status`, what lies there. Now all of it reads as the exec would tell them: permission denied.
import { expect, test } from "bun:test";
import { chmodSync, chownSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor } from "../../integration/_harness.ts";
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
  // through the user's links, and named directly (the second round of the red team: "can't find" still)
  const commands: Record<string, string> = { x: join(app, "x"), nothing: join(app, "nothing"), d: join(app, "d"), direct: join(closed, "nothing") };
  const program = ([name, command]: [string, string]) => `[programs.${name}]\ncommand = ["${command}"]\nuser = "nobody"\nstartsecs = 0\nautorestart = false\n`;
  await using daemon = Daemon.start(dir.path, Object.entries(commands).map(program).join(""));
  await daemon.waitForSocket();
  const reasons = await Promise.all(Object.entries(commands).map(([name, command]) =>
    waitFor(async () => (await daemon.status(name))?.reason?.replace(command, "CMD") ?? undefined, `a reason for ${name}`)));
  expect(reasons).toEqual(Array(4).fill(expect.stringContaining(`command "CMD" is not executable by uid ${NOBODY} (permission denied)`)));
});

// Red team, second round: the directory was entered as root, before the switch to the program's user,
// so a `nobody` program started in a directory nobody may enter and read a file there by its relative
// name. As supervisord does, it is now entered as the program's user: that fails, and says so.
test("a program's directory is entered as its user: one it may not enter is refused, and nothing there is read", async () => {
  using dir = tempDir();
  const closed = join(dir.path, "closed");
  mkdirSync(join(closed, "inside"), { recursive: true });
  chmodSync(closed, 0o700);
  writeFileSync(join(closed, "inside", "secret"), "TOPSECRET\n", { mode: 0o644 });
  await using daemon = Daemon.start(dir.path, `[programs.c]\ncommand = ["/bin/cat", "secret"]\ndirectory = "${join(closed, "inside")}"\nuser = "nobody"\nstartretries = 0\n`);
  await daemon.waitForSocket();
  const status = await waitFor(async () => { const s = await daemon.status("c"); return s?.state === "FATAL" ? s : undefined; }, "c to go FATAL");
  expect({ state: status.state, reason: status.reason, printed: readLines(join(dir.path, "logs", "c.out.log")).includes("TOPSECRET") })
    .toEqual({ state: "FATAL", reason: expect.stringContaining(`can't change to directory "${join(closed, "inside")}" (EACCES)`), printed: false });
});
