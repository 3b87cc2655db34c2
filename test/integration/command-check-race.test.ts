// The pre-spawn command check (os/command-check.ts) reads a command's first bytes as root. A program's
// user who can write the command's directory swaps the command with a named pipe between the check's
// stat() and its open() (renameat2 RENAME_EXCHANGE). (The regression: a blocking open() as root
// waited for a writer on tsvisor's only JavaScript thread: status unanswered, crashes not restarted,
// SIGTERM ignored; red-team finding F3.)
import { expect, test } from "bun:test";
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, FIXTURES, tempDir, waitFor } from "./_harness.ts";
import { NOBODY } from "./_nobody.ts";

test("a health check command that its user keeps swapping with a named pipe: tsvisor keeps checking and answering", async () => {
  expect(process.getuid?.()).toBe(0);
  using dir = tempDir();
  const app = join(dir.path, "app");
  mkdirSync(app);
  const checks = join(dir.path, "checks");
  writeFileSync(checks, "");
  chmodSync(checks, 0o666);
  // an ELF program (a copy of env), so that only tsvisor's check and the exec race the swap, not a
  // shell reopening its script by name
  copyFileSync("/usr/bin/env", join(app, "healthcheck"));
  Bun.spawnSync(["mkfifo", join(app, "fifo")]);
  Bun.spawnSync(["chown", "-R", `${NOBODY}:${NOBODY}`, app]);
  chownSync(app, NOBODY, NOBODY);
  const swapper = Bun.spawn(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, join(FIXTURES, "swap-names-fixture.ts"), "healthcheck", "fifo"], {
    cwd: app, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stdin: "ignore", stdout: "ignore", stderr: "inherit",
  });
  try {
    await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
[programs.app]
command = ["sleep", "100000"]
user = "nobody"
healthcheck = { command = ["${app}/healthcheck", "/bin/sh", "-c", "echo ok >> ${checks}"], interval = "50ms", timeout = "2s", retries = 1000000 }
`);
    await daemon.waitForSocket();
    // Each check is one stat-then-open race; a few dozen of them lose it (on the old code, the first
    // lost race hung tsvisor for good). Checks that run count themselves in `checks`.
    const ran = () => readFileSync(checks, "utf8").split("\n").length - 1;
    await waitFor(() => ran() >= 30, "30 health checks run while the command is being swapped with a pipe", 30_000).catch(() => {});
    const status = await Promise.race([daemon.status("app"), Bun.sleep(5_000).then(() => "no answer within 5 s")]);
    expect({
      checksRun: ran() >= 30,
      status: typeof status === "object" ? status.state : status,
    }).toEqual({ checksRun: true, status: "RUNNING" });
  } finally {
    swapper.kill("SIGKILL");
    await swapper.exited;
  }
}, 90_000);
