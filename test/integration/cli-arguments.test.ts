// Regression: #15 and #19 — `tsvisor -c FILE status` said "Unknown command FILE", and an unknown or
// misspelled option was ignored (`status --bogus` printed the table, `stop web --nowait` waited).
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, TSVISOR, runTsvisor, tempDir } from "./_harness.ts";

test("global options before the command, as supervisorctl users type them", async () => {
  using dir = tempDir();
  const socket = join(dir.path, "tsvisor.sock");
  await using daemon = Daemon.start(dir.path, `[supervisor]\nsocket = ${JSON.stringify(socket)}\n[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`, { env: { TSVISOR_SOCKET: "" } });
  await daemon.waitForLog(/success: web entered RUNNING/);
  const config = join(dir.path, "tsvisor.toml");
  // no TSVISOR_SOCKET: the socket is found through the config named before the command
  const env = { TSVISOR_SOCKET: "", TSVISOR_CONFIG: "" };
  const results = await Promise.all([
    runTsvisor(["-c", config, "status", "web"], { env }),
    runTsvisor(["--config", config, "check"], { env }),
    runTsvisor([`--config=${config}`, "check", "web"], { env }),
    runTsvisor(["--socket", socket, "check", "web"], { env }),
    runTsvisor([`--socket=${socket}`, "status"], { env }),
  ]);
  expect(results.map((r) => [r.exitCode, r.stderr])).toEqual(results.map(() => [0, ""]));
  expect(results[0]!.stdout).toMatch(/^web\s+RUNNING/m);
});

// Every command, and `config`'s two, as `tsvisor --help` lists them.
const COMMANDS = ["run", "status", "start web", "stop web", "restart web", "signal HUP web", "reload", "shutdown", "check", "config check", "config show", "logs web", "events", "version"];

test.each(COMMANDS)("tsvisor %s --bogus-option is a usage error (exit 2), not ignored", async (command) => {
  using dir = tempDir();
  const r = await runTsvisor([...command.split(" "), "--bogus-option"], { env: { TSVISOR_SOCKET: join(dir.path, "none.sock"), TSVISOR_CONFIG: join(dir.path, "none.toml") } });
  expect([r.exitCode, r.stderr.trim().split("\n").at(-1), r.stdout]).toEqual([2, "tsvisor: unknown option --bogus-option", ""]);
});

test("a misspelled option names the one meant", async () => {
  const r = await runTsvisor(["stop", "web", "--nowait"], { env: { TSVISOR_SOCKET: "/nonexistent.sock" } });
  expect([r.exitCode, r.stderr.trim().split("\n").at(-1)]).toEqual([2, "tsvisor: unknown option --nowait (did you mean --no-wait?)"]);
});

test("options a command declares, in every spelling, are not refused; after -- nothing is checked", async () => {
  using dir = tempDir();
  const env = { TSVISOR_SOCKET: join(dir.path, "none.sock") };
  const results = await Promise.all([
    ["status", "--json"], ["stop", "web", "--no-wait"], ["logs", "web", "-n", "5", "-f", "--stderr"], ["logs", "web", "-n", "-5"], ["check", "--socket", "--weird-but-a-value"],
  ].map((args) => runTsvisor(args, { env })));
  expect(results.map((r) => r.stderr.includes("unknown option"))).toEqual(results.map(() => false));
  const init = Bun.spawnSync([TSVISOR, "--", "sh", "-c", "echo $1", "sh", "--bogus"]);
  expect([init.exitCode, init.stdout.toString()]).toEqual([0, "--bogus\n"]);
});
