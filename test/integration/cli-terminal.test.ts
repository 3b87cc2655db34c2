// Regression: #15 — on a terminal none of tsvisor's own lines appeared (consola was left with no
// reporter), while help and usage errors put ANSI colour into pipes and files.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, TSVISOR, runTsvisor, tempDir, waitFor, writeConfig } from "./_harness.ts";

const ESC = "\u001b[";
const ensured = Bun.spawnSync(["bash", join(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "bsdutils"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install bsdutils (script): ${ensured.stderr.toString()}`);

// `tsvisor run` on a pseudo-terminal (script(1) gives it one, as `docker run -t` and a shell do) on a
// critical program that ends at once, so tsvisor exits by itself; everything the terminal showed.
async function runOnTerminal(env: Record<string, string>): Promise<string> {
  using dir = tempDir();
  const config = writeConfig(dir.path, [
    "[supervisor]", `socket = ${JSON.stringify(join(dir.path, "tsvisor.sock"))}`,
    "[programs.hello]", `command = ["sh", "-c", "echo hello from the program; exit 3"]`, "startsecs = 0", "autorestart = false", "critical = true", "",
  ].join("\n"));
  const proc = Bun.spawn(["script", "-qefc", `${TSVISOR} run -c ${config}`, "/dev/null"], {
    env: { ...process.env, TERM: "xterm", ...env }, stdin: "pipe", stdout: "pipe", stderr: "pipe",
  });
  const [out, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(exitCode).toBe(3);
  return out.replaceAll("\r", "");
}

test("on a terminal tsvisor's own lines appear with the time and a coloured level", async () => {
  const out = await runOnTerminal({});
  const lines = out.split("\n");
  const spawned = lines.find((l) => l.includes("spawned: hello"));
  const exited = lines.find((l) => l.includes("exited: hello (exit status 3; not expected)"));
  expect([spawned, exited, lines.some((l) => l === "hello | hello from the program")]).toEqual([expect.any(String), expect.any(String), true]);
  expect(spawned).toMatch(/^\u001b\[90m\d\d:\d\d:\d\d\u001b\[0m \u001b\[36mINFO\u001b\[0m spawned: hello \(pid \d+\)$/);
  expect(exited).toMatch(/\u001b\[33mWARN\u001b\[0m exited: hello/);
});

test.each([["NO_COLOR", { NO_COLOR: "1" }], ["TERM=dumb", { TERM: "dumb" }]])("on a terminal with %s the lines appear without colour", async (_, env) => {
  const out = await runOnTerminal(env);
  expect(out).toMatch(/^\d\d:\d\d:\d\d INFO spawned: hello \(pid \d+\)$/m);
  expect(out.includes(ESC)).toBe(false);
});

test("help and usage errors carry no colour into a pipe, whatever TERM says", async () => {
  const env = { TERM: "xterm-256color", CI: "", TEST: "" };
  const results = await Promise.all([["--help"], ["status", "--help"], ["bogus-command"]].map((args) => runTsvisor(args, { env })));
  expect(results.map((r) => ({ escapes: (r.stdout + r.stderr).includes(ESC), usage: (r.stdout + r.stderr).includes("USAGE") }))).toEqual([
    { escapes: false, usage: true }, { escapes: false, usage: true }, { escapes: false, usage: true },
  ]);
});

test("help on a terminal is coloured, and plain with NO_COLOR", async () => {
  const onTerminal = (env: Record<string, string>) => {
    const r = Bun.spawnSync(["script", "-qefc", `${TSVISOR} --help`, "/dev/null"], { env: { ...process.env, TERM: "xterm", CI: "", TEST: "", ...env }, stdin: "pipe" });
    return r.stdout.toString();
  };
  expect([onTerminal({}).includes(ESC), onTerminal({ NO_COLOR: "1" }).includes(ESC)]).toEqual([true, false]);
});

// `status` decides colour without building process.stdout (cli/_stdout.ts asks isatty(1)): the
// state column is painted on a terminal, never into a pipe or with NO_COLOR.
test("status paints the state column on a terminal, not into a pipe or with NO_COLOR", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await waitFor(async () => (await daemon.status("web"))?.state === "RUNNING", "web RUNNING");
  const onTerminal = (env: Record<string, string>) => {
    const r = Bun.spawnSync(["script", "-qefc", `${TSVISOR} status`, "/dev/null"], {
      env: { ...process.env, TSVISOR_SOCKET: daemon.socket, TERM: "xterm", CI: "", TEST: "", ...env }, stdin: "pipe",
    });
    return r.stdout.toString();
  };
  const piped = await daemon.ctl(["status"], { env: { TERM: "xterm" } });
  expect([onTerminal({}).includes(`${ESC}32mRUNNING`), onTerminal({ NO_COLOR: "1" }).includes(ESC), piped.stdout.includes("RUNNING"), piped.stdout.includes(ESC)])
    .toEqual([true, false, true, false]);
});
