import { expect, test } from "bun:test";
import { version } from "../../package.json";
import { runTsvisor } from "./_harness.ts";

test("tsvisor --version prints this binary's version only and exits 0", async () => {
  expect(await runTsvisor(["--version"])).toEqual({ stdout: `tsvisor ${version}\n`, stderr: "", exitCode: 0 });
});

test("tsvisor version without a running daemon prints this binary's version, says the daemon is not reachable, and exits 0", async () => {
  const { stdout, exitCode } = await runTsvisor(["version"], { env: { TSVISOR_SOCKET: "/nonexistent/tsvisor.sock" } });
  expect([stdout.split("\n")[0], stdout.split("\n")[1]?.startsWith("daemon: not reachable"), exitCode]).toEqual([`tsvisor ${version}`, true, 0]);
});
