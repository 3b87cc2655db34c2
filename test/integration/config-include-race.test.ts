// An included config file in a directory another user can write: that user swaps it with a named
// pipe between the stat() that finds it and the open() that reads it (renameat2 RENAME_EXCHANGE).
// A reload reads every include on the daemon's thread: a blocking open of the pipe would hang it.
// Since 2026-12-07 such an include is refused outright (its directory is another user's: config/include-trust.ts),
// and the looks that refuse it must not hang on the pipe either.
import { expect, test } from "bun:test";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, FIXTURES, tempDir, writeConfig } from "./_harness.ts";
import { NOBODY } from "./_nobody.ts";

test("an include its directory's user keeps swapping with a named pipe: every reload answers, refused with the reason", async () => {
  expect(process.getuid?.()).toBe(0);
  using dir = tempDir();
  const app = join(dir.path, "app");
  mkdirSync(app);
  writeFileSync(join(app, "extra.toml"), `[programs.extra]\ncommand = ["sleep", "100000"]\n`);
  Bun.spawnSync(["mkfifo", join(app, "fifo")]);
  Bun.spawnSync(["chown", "-R", `${NOBODY}:${NOBODY}`, app]);
  chownSync(app, NOBODY, NOBODY);
  const main = `[supervisor]
console = false
[programs.main]
command = ["sleep", "100000"]
`;
  await using daemon = Daemon.start(dir.path, main);
  await daemon.waitForSocket();
  writeConfig(dir.path, `include = ["app/extra.toml"]\n${main}`);
  const swapper = Bun.spawn(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, join(FIXTURES, "swap-names-fixture.ts"), "extra.toml", "fifo"], {
    cwd: app, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stdin: "ignore", stdout: "ignore", stderr: "inherit",
  });
  const answers: string[] = [];
  try {
    for (let i = 0; i < 40; i++) {
      const reply = await Promise.race([daemon.ctl(["reload"]), Bun.sleep(5_000).then(() => null)]);
      if (reply === null) break;
      answers.push(/not reading .*: (it|its directory .*) is owned by uid 65534|is not a file/.test(reply.stdout + reply.stderr) ? "refused" : `other (exit ${reply.exitCode}): ${reply.stdout}${reply.stderr}`);
    }
  } finally {
    swapper.kill("SIGKILL");
    await swapper.exited;
  }
  expect({ answered: answers.length, others: answers.filter((a) => a.startsWith("other")) }).toEqual({ answered: 40, others: [] });
  expect((await daemon.status("extra"))).toBeUndefined();
}, 120_000);
