import { expect, test } from "bun:test";
import { version } from "../../package.json";
import { runTsvisor } from "./_harness.ts";

test.each([["--version"], ["version"]])("tsvisor %s prints the version and exits 0", async (arg) => {
  expect(await runTsvisor([arg])).toEqual({ stdout: `tsvisor ${version}\n`, stderr: "", exitCode: 0 });
});
