import { expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandError, parentDeathSetpriv, withParentDeathSignal } from "../../src/os/parent-death.ts";
import { tempDir } from "../integration/_harness.ts";

test("programs run under setpriv --pdeathsig KILL here (util-linux is on every test machine)", () => {
  expect(parentDeathSetpriv()).toMatch(/\/setpriv$/);
  expect(withParentDeathSignal(["sleep", "1"])).toEqual([parentDeathSetpriv()!, "--pdeathsig", "KILL", "--", "sleep", "1"]);
});

test("the command's own problems are found before setpriv would hide them", () => {
  using dir = tempDir();
  const text = join(dir.path, "text");
  writeFileSync(text, "not a program\n");
  chmodSync(text, 0o755);
  const script = join(dir.path, "script");
  writeFileSync(script, "#!/bin/sh\n");
  chmodSync(script, 0o755);
  const plain = join(dir.path, "plain");
  writeFileSync(plain, "#!/bin/sh\n");
  chmodSync(plain, 0o644);
  const env = { PATH: "/usr/bin:/bin" };
  expect(commandError("sleep", env, null)).toBeNull();
  expect(commandError(script, env, null)).toBeNull();
  expect(commandError("./script", env, dir.path)).toBeNull();
  expect(commandError("no-such-command-anywhere", env, null)).toEqual({ code: "ENOENT" });
  expect(commandError(join(dir.path, "missing"), env, null)).toEqual({ code: "ENOENT" });
  expect(commandError(text, env, null)).toEqual({ code: "ENOEXEC" });
  expect(commandError(dir.path, env, null)).toEqual({ code: "EACCES" });
  // root may read a 0644 file but not execute it
  expect(commandError(plain, env, null)).toEqual({ code: "EACCES" });
});
