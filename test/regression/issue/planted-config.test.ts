// Regression: #14 — `tsvisor check` (a HEALTHCHECK, as root) read a tsvisor.toml planted in its working
// directory by the user who owns it, and so talked to whatever socket that file named.
import { expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, runTsvisor, tempDir } from "../../integration/_harness.ts";
import { NOBODY } from "../../integration/_nobody.ts";

test("a tsvisor.toml that someone else could have put in the working directory is not read; -c still reads it", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  // The app user's WORKDIR, with a config of theirs naming a socket they control.
  const workdir = join(dir.path, "app");
  mkdirSync(workdir);
  chownSync(workdir, NOBODY, NOBODY);
  const planted = join(workdir, "tsvisor.toml");
  writeFileSync(planted, `[supervisor]\nsocket = "${join(workdir, "fake.sock")}"\n`);
  chownSync(planted, NOBODY, NOBODY);
  const env = { TSVISOR_SOCKET: "", TSVISOR_CONFIG: "" };
  const check = await runTsvisor(["check"], { cwd: workdir, env });
  expect([check.exitCode, check.stdout]).toEqual([2, ""]);
  expect(check.stderr).toContain(`tsvisor: not reading ${planted} found in the working directory: it is owned by uid ${NOBODY}, not by you (uid 0) or root`);
  expect(check.stderr).toContain(`hint: pass -c ${planted} to read it anyway`);

  // root's own file, but in a directory the app user may write (they could swap it): refused too
  chownSync(planted, 0, 0);
  const swappable = await runTsvisor(["check"], { cwd: workdir, env });
  expect([swappable.exitCode, swappable.stderr.includes(`its directory is owned by uid ${NOBODY}`)]).toEqual([2, true]);

  // in a directory only root may write, root's file is read
  chownSync(workdir, 0, 0);
  chmodSync(workdir, 0o755);
  writeFileSync(planted, `[supervisor]\nsocket = "${daemon.socket}"\n`);
  const trusted = await runTsvisor(["check"], { cwd: workdir, env });
  expect([trusted.exitCode, trusted.stdout]).toEqual([0, "ok: every process that should run is RUNNING (1 checked)\n"]);
});
