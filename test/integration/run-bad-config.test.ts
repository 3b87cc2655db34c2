import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, runTsvisor, tempDir } from "./_harness.ts";

test("a config error exits 2 before anything starts, naming file, line, key path, value and what is allowed", async () => {
  using dir = tempDir();
  const marker = join(dir.path, "started");
  const daemon = Daemon.start(dir.path, `
[programs.good]
command = ["touch", "${marker}"]

[programs.web]
command = ["sleep", "100"]
stopsignal = "TREM"
`);
  expect(await daemon.exited()).toBe(2);
  const text = daemon.log.join("\n");
  expect(text).toContain(`tsvisor.toml:7:14: programs.web.stopsignal: unknown signal "TREM"`);
  expect(text).toContain(`did you mean "TERM"?`);
  expect(text).toContain(`7 | stopsignal = "TREM"`);
  expect(existsSync(marker)).toBe(false);
});

test("an unknown key gets a did-you-mean suggestion; all errors are reported at once", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  writeFileSync(file, `[programs.web]\ncommand = ["x"]\nstartsec = 1\nautorestart = "sometimes"\n`);
  const { stderr, exitCode } = await runTsvisor(["run", "-c", file]);
  expect(exitCode).toBe(2);
  expect(stderr).toContain(`programs.web.startsec`);
  expect(stderr).toContain(`did you mean "startsecs"?`);
  expect(stderr).toContain(`programs.web.autorestart`);
});

test("many unknown keys in one table: the allowed keys are listed once, each later error refers to them", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  writeFileSync(file, `[programs.web]\ncommand = ["x"]\n${Array.from({ length: 50 }, (_, i) => `zz${i} = 1`).join("\n")}\n`);
  const { stderr, exitCode } = await runTsvisor(["config", "check", "-c", file]);
  expect(exitCode).toBe(2);
  const errors = stderr.split("\n").filter((line) => /programs\.web\.zz\d+: unknown key/.test(line));
  expect(errors.length).toBe(50);
  expect(errors.filter((line) => line.includes("allowed: command directory environment"))).toEqual(errors.slice(0, 1));
  expect(errors.slice(1).every((line) => line.endsWith("; allowed: as listed above"))).toBe(true);
});

test("each bad element of a list of names is its own error, naming its element", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  writeFileSync(file, `[programs.web]\ncommand = ["x"]\n\n[[hooks]]\non = ["FOO", "PROCESS_STATE", "BAR"]\nprograms = ["a", "web", "b"]\ncommand = ["true"]\n`);
  const { stderr, exitCode } = await runTsvisor(["config", "check", "-c", file]);
  expect(exitCode).toBe(2);
  expect(stderr.split("\n").filter((line) => /: hooks\.0\./.test(line)).map((line) => line.replace(/^.*?hooks\.0\./, "").replace(/;.*$/, ""))).toEqual([
    `on: element 1: unknown event "FOO"`, `on: element 3: unknown event "BAR"`,
    `programs: element 1: no process or program named "a"`, `programs: element 3: no process or program named "b"`,
  ]);
});

test("a missing config file exits 2 and says where tsvisor looked", async () => {
  using dir = tempDir();
  const { stderr, exitCode } = await runTsvisor(["run"], { cwd: dir.path, env: { TSVISOR_CONFIG: "" } });
  expect(exitCode).toBe(2);
  expect(stderr).toContain("tsvisor.toml");
});

test("an unknown command is a usage error: exit 2 with usage", async () => {
  const { stderr, exitCode } = await runTsvisor(["frobnicate"]);
  expect(exitCode).toBe(2);
  expect(stderr).toContain("frobnicate");
});

test("config check summarises each program and exits 0; config show prints every default", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  writeFileSync(file, `[programs.web]\ncommand = "node server.js"\npriority = 100\n[programs.worker]\ncommand = ["w"]\nnumprocs = 2\n`);
  const check = await runTsvisor(["config", "check", "-c", file]);
  expect([check.exitCode, check.stdout.includes("web"), check.stdout.includes("worker-0"), check.stdout.includes("config ok")]).toEqual([0, true, true, true]);
  const show = await runTsvisor(["config", "show", "-c", file]);
  expect(show.exitCode).toBe(0);
  expect(show.stdout).toContain(`stopwaitsecs = 10`);
  expect(show.stdout).toContain(`command = ["node", "server.js"]`);
});
