// Regression: an exec that the checks before a spawn cannot foresee (a program file still open for
// writing: ETXTBSY; a security module's or an ACL's refusal) showed only "exit status 126" in status
// and nothing in any log: the parent-death exec that ran the command has no words. Programs now start
// in one exec of their own (os/native-spawn.ts) and its failure comes back with the system's code.
import { expect, setDefaultTimeout, test } from "bun:test";
import { closeSync, copyFileSync, openSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir } from "../../integration/_harness.ts";

setDefaultTimeout(30_000);

test("a program whose file is still open for writing is reported as such (ETXTBSY), not as a bare exit status", async () => {
  using dir = tempDir();
  const program = join(dir.path, "being-copied");
  copyFileSync("/usr/bin/sleep", program);
  const writer = openSync(program, "r+"); // as a copy or a build still in progress holds it
  try {
    await using daemon = Daemon.start(dir.path, `
[programs.busy]
command = ["${program}", "100000"]
startsecs = 0
startretries = 0
`);
    const line = await daemon.waitForLog(/can't start/);
    expect(line).toContain(`can't start ${JSON.stringify(program)}: its file is open for writing (ETXTBSY: still being copied or built?)`);
  } finally {
    closeSync(writer);
  }
});
