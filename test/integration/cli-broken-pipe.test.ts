// Regression: #19 — `tsvisor status | head -0` and `tsvisor logs -f | head` printed Bun's EPIPE stack
// trace (and `logs -f` went on), where a Unix tool ends quietly as if killed by SIGPIPE.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, TSVISOR, tempDir } from "./_harness.ts";

// Run tsvisor with a stdout pipe whose reader is already gone: its first write fails with EPIPE.
function withClosedStdout(args: string[], env: Record<string, string>) {
  const helper = "import os, subprocess, sys\nr, w = os.pipe()\nos.close(r)\np = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, timeout=20)\nprint(p.returncode)\nsys.stdout.write(p.stderr.decode())";
  const r = Bun.spawnSync(["python3", "-c", helper, TSVISOR, ...args], { env: { ...process.env, ...env } });
  const [code, ...stderr] = r.stdout.toString().split("\n");
  return { exitCode: Number(code), stderr: stderr.join("\n") };
}

test("every command whose reader went away ends quietly with 141 (128 + SIGPIPE), as a Unix tool does", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.chatty]\ncommand = ["sh", "-c", "echo one; echo two; exec sleep 1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: chatty entered RUNNING/);
  const env = { TSVISOR_SOCKET: daemon.socket };
  const config = join(dir.path, "tsvisor.toml");
  const commands = [["status"], ["check"], ["events"], ["events", "-f"], ["logs", "chatty", "-c", config], ["logs", "chatty", "-f", "-c", config], ["--help"], ["config", "show", "-c", config]];
  const results = commands.map((args) => ({ args: args.join(" "), ...withClosedStdout(args, env) }));
  expect(results).toEqual(commands.map((args) => ({ args: args.join(" "), exitCode: 141, stderr: "" })));
});
