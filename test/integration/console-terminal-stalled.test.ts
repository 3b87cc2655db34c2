// `tsvisor run` on a terminal that has stopped taking output (Ctrl-S, a stalled `docker run -t`
// client, a slow serial console) goes on supervising: the console drops lines and counts them, as it
// does for a pipe nobody reads (docs/logs.md). The regression (red team, 2026-12-05): the terminal was
// written blocking, so tsvisor froze whole: the program's log file stopped growing, `status` got no answer.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TSVISOR, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";

const ensured = Bun.spawnSync(["bash", resolve(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "python3"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install python3 (the pseudo-terminal's holder): ${ensured.stderr.toString()}`);

// Runs argv[2:] with its stdout and stderr on a pseudo-terminal whose other side nobody ever reads
// (so it fills after a few KB, as a terminal does when Ctrl-S stops its output); writes the pid to argv[1].
const HOLDER = `import os, pty, subprocess, sys, time
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=s, stderr=s, start_new_session=True)
open(sys.argv[1], "w").write(str(p.pid))
os.close(s)
time.sleep(3600)
`;

test("a terminal that stops taking output does not stop tsvisor: every line still reaches the log file and status answers", async () => {
  using dir = tempDir();
  const lines = 20_000;
  const config = writeConfig(dir.path, `[supervisor]
socket = ${JSON.stringify(join(dir.path, "tsvisor.sock"))}
[programs.chatty]
command = ["sh", "-c", "i=0; while [ $i -lt ${lines} ]; do echo line $i; i=$((i+1)); done; exec sleep 3600"]
startsecs = 0
`);
  const pidFile = join(dir.path, "tsvisor.pid");
  const holder = Bun.spawn(["python3", "-c", HOLDER, pidFile, TSVISOR, "run", "-c", config], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    const file = join(dir.path, "logs", "chatty.out.log");
    const inFile = await waitFor(() => readLines(file).length === lines && lines, `all ${lines} lines in chatty.out.log`, 20_000)
      .catch(() => readLines(file).length);
    const status = Bun.spawnSync([TSVISOR, "status", "-c", config], { timeout: 10_000, stdout: "pipe", stderr: "pipe" });
    expect({ inFile, status: status.exitCode, running: /^chatty\s+RUNNING\b/m.test(status.stdout.toString()) })
      .toEqual({ inFile: lines, status: 0, running: true });
  } finally {
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL"); // its program dies with it (parent-death signal)
    holder.kill("SIGKILL");
    await holder.exited;
  }
});
