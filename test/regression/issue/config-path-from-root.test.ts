// Regression: issue 15 (smaller items) — config paths in errors lost their leading "/" when tsvisor ran
// from "/" (a systemd unit's and a container's working directory): "tmp/x/tsvisor.toml:2:11: …".
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTsvisor, tempDir } from "../../integration/_harness.ts";

test.each([["config check"], ["run"]])("`tsvisor %s -c FILE` from / names FILE by its absolute path", async (command) => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  writeFileSync(file, '[programs.web]\ncommand = 5\n');
  const { stderr, exitCode } = await runTsvisor([...command.split(" "), "-c", file], { cwd: "/" });
  expect([exitCode, stderr.split("\n")[0]]).toEqual([2, `tsvisor: ${file}:2:11: programs.web.command: expected a command string or a non-empty array of non-empty strings; got 5`]);
});
