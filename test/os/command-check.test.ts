import { expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandError, describeCommandProblem } from "../../src/os/command-check.ts";
import { tempDir } from "../integration/_harness.ts";

const NOBODY = { uid: 65534, gid: 65534 };
const env = { PATH: "/usr/bin:/bin" };

function file(path: string, text: string, mode: number): string {
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

test("the command's own problems are found before setpriv would hide them", () => {
  using dir = tempDir();
  const text = file(join(dir.path, "text"), "not a program\n", 0o755);
  const script = file(join(dir.path, "script"), "#!/bin/sh\n", 0o755);
  const plain = file(join(dir.path, "plain"), "#!/bin/sh\n", 0o644);
  expect([
    commandError("sleep", env, null), commandError(script, env, null), commandError("./script", env, dir.path),
    commandError("no-such-command-anywhere", env, null), commandError(join(dir.path, "missing"), env, null),
    commandError(text, env, null), commandError(dir.path, env, null), commandError("./", env, dir.path),
    commandError(plain, env, null), // root may read a 0644 file but not execute it
  ]).toEqual([
    null, null, null,
    { code: "ENOENT" }, { code: "ENOENT" },
    { code: "ENOEXEC" }, { code: "EISDIR" }, { code: "EISDIR" },
    { code: "EACCES" },
  ]);
});

test("with `user =` the checks are the user's: mode bits of the file and of every directory on the way", () => {
  using dir = tempDir(); // 0777
  const open = file(join(dir.path, "open"), "#!/bin/sh\n", 0o755);
  const rootOnly = file(join(dir.path, "root-only"), "#!/bin/sh\n", 0o700);
  const unreadable = file(join(dir.path, "unreadable"), "#!/bin/sh\n", 0o711); // a script is read by its interpreter
  const closed = join(dir.path, "closed");
  mkdirSync(closed, { mode: 0o700 });
  const inside = file(join(closed, "prog"), "#!/bin/sh\n", 0o755);
  expect([
    commandError(open, env, null, NOBODY), commandError("sleep", env, null, NOBODY),
    commandError(rootOnly, env, null, NOBODY), commandError(unreadable, env, null, NOBODY), commandError(inside, env, null, NOBODY),
    commandError("no-such-command-anywhere", env, null, NOBODY),
  ]).toEqual([null, null, { code: "EACCES" }, { code: "EACCES" }, { code: "EACCES" }, { code: "ENOENT" }]);
  // root passes them all
  expect([commandError(rootOnly, env, null), commandError(unreadable, env, null), commandError(inside, env, null)]).toEqual([null, null, null]);
  // the owner's bits apply to the owner, the group's to the group
  const nobodys = file(join(dir.path, "nobodys"), "#!/bin/sh\n", 0o750);
  chownSync(nobodys, 65534, 4242);
  expect([NOBODY, { uid: 1234, gid: 4242 }, { uid: 1234, gid: 1234 }].map((who) => commandError(nobodys, env, null, who))).toEqual([null, null, { code: "EACCES" }]);
});

test("a PATH entry where the user may not run the command is skipped for a later one, as execvp does", () => {
  using dir = tempDir();
  const [first, second] = [join(dir.path, "a"), join(dir.path, "b")];
  mkdirSync(first);
  mkdirSync(second);
  file(join(first, "tool"), "#!/bin/sh\n", 0o700);
  file(join(second, "tool"), "#!/bin/sh\n", 0o755);
  expect(commandError("tool", { PATH: `${first}:${second}` }, null, NOBODY)).toBeNull();
  expect(commandError("tool", { PATH: first }, null, NOBODY)).toEqual({ code: "EACCES" });
});

// Red team, second round: the #! line was read as latin1, so an interpreter with a non-ASCII name was
// looked for under other bytes (and said missing), and a C1 control in it reached the message raw.
test("a #! interpreter is looked for by its own bytes, and named without raw control characters", () => {
  using dir = tempDir();
  const interpreterDir = join(dir.path, "pythön");
  mkdirSync(interpreterDir);
  file(join(interpreterDir, "python3"), "#!/bin/sh\n", 0o755);
  const present = file(join(dir.path, "present.sh"), `#!${interpreterDir}/python3\n`, 0o755);
  const control = file(join(dir.path, "control.sh"), `#!${dir.path}/gone\u009b2J\n`, 0o755);
  const refusal = commandError(control, env, null);
  expect({ present: commandError(present, env, null), refusal }).toEqual({ present: null, refusal: { code: "ENOENT", interpreter: `${dir.path}/gone\u009b2J` } });
  expect(describeCommandProblem(control, "ENOENT", null, refusal!.interpreter)).toContain(`"${dir.path}/gone\\u009b2J"`);
  // a link loop is not a missing interpreter: the exec says what it is
  symlinkSync(join(dir.path, "loop"), join(dir.path, "loop"));
  expect(commandError(file(join(dir.path, "loop.sh"), `#!${dir.path}/loop\n`, 0o755), env, null)).toBeNull();
});
