// Issue 18 (idle CPU): `tsvisor run` executes itself again, in its own pid, with Bun's idle GC timer off
// (os/gc-timer-off.ts). What a user must not notice: another pid, other arguments, another process name
// (the exec named it "exe" until the red team saw it in ps, 2026-12-07), a variable of
// tsvisor's in the environment of their programs, or a BUN_GC_TIMER_DISABLE of their own overridden.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Daemon, TSVISOR, readLines, tempDir, waitFor } from "./_harness.ts";

// The environment a process was started with, as the kernel keeps it (what Bun read as it started).
const startEnvironment = (pid: number) => readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").filter(Boolean);
const ownVariables = (lines: string[]) => lines.filter((line) => /^(BUN_GC_TIMER_DISABLE|TSVISOR_SET_BUN_GC_TIMER_DISABLE)=/.test(line));

const PRINT_ENV = `
[programs.printer]
command = ["/bin/sh", "-c", "env; echo printed; exec sleep 1000"]
startsecs = 0
`;

test("tsvisor run goes on in the pid it was started as, with Bun's idle GC timer off, and its programs, hooks and listeners get the environment it was given", async () => {
  using dir = tempDir();
  const hookEnv = join(dir.path, "hook.env");
  const listenerEnv = join(dir.path, "listener.env");
  await using daemon = Daemon.start(dir.path, `${PRINT_ENV}
[[hooks]]
on = ["PROCESS_STATE_RUNNING"]
command = ["/bin/sh", "-c", "env > ${hookEnv}.part && mv ${hookEnv}.part ${hookEnv}"]
[eventlisteners.listener]
command = ["/bin/sh", "-c", "env > ${listenerEnv}.part && mv ${listenerEnv}.part ${listenerEnv}; echo READY; exec cat > /dev/null"]
events = ["PROCESS_STATE"]
`, { env: { TSVISOR_DEBUG: "1", GIVEN_TO_TSVISOR: "kept" } });
  expect(await daemon.waitForLog(/Bun's idle GC timer: /)).toContain("Bun's idle GC timer: off");
  // the process the test started is the one that runs, and Bun in it started with the timer off
  // (the mark carries the process's name, in hex)
  const name = basename(TSVISOR).slice(0, 15);
  expect(ownVariables(startEnvironment(daemon.proc.pid))).toEqual(["BUN_GC_TIMER_DISABLE=1", `TSVISOR_SET_BUN_GC_TIMER_DISABLE=${Buffer.from(name).toString("hex")}`]);
  expect(readFileSync(`/proc/${daemon.proc.pid}/cmdline`, "utf8").split("\0").slice(1, 2)).toEqual(["run"]);
  // the name ps, pgrep and killall go by: the exec of /proc/self/exe had made it "exe"
  expect(readFileSync(`/proc/${daemon.proc.pid}/comm`, "utf8").trim()).toBe(name);
  const printed = await waitFor(() => {
    const lines = readLines(join(dir.path, "logs", "printer.out.log"));
    return lines.at(-1) === "printed" && lines;
  }, "the program's environment in its log");
  expect(printed).toContain("GIVEN_TO_TSVISOR=kept");
  expect(ownVariables(printed)).toEqual([]);
  // a hook's and a listener's environment come from the same process.env
  for (const [file, what] of [[hookEnv, "the hook's environment"], [listenerEnv, "the listener's environment"]] as const) {
    const lines = await waitFor(() => {
      const written = readLines(file);
      return written.length > 0 && written;
    }, what);
    expect(lines).toContain("GIVEN_TO_TSVISOR=kept");
    expect(ownVariables(lines)).toEqual([]);
  }
  expect((await daemon.ctl(["status", "printer"])).stdout).toMatch(/^printer +RUNNING/m);
});

test("a BUN_GC_TIMER_DISABLE the user set is theirs: tsvisor runs as it says and passes it on", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, PRINT_ENV, { env: { TSVISOR_DEBUG: "1", BUN_GC_TIMER_DISABLE: "0" } });
  expect(await daemon.waitForLog(/Bun's idle GC timer: /)).toContain(`Bun's idle GC timer: as the environment's BUN_GC_TIMER_DISABLE="0" says`);
  expect(ownVariables(startEnvironment(daemon.proc.pid))).toEqual(["BUN_GC_TIMER_DISABLE=0"]);
  const printed = await waitFor(() => {
    const lines = readLines(join(dir.path, "logs", "printer.out.log"));
    return lines.at(-1) === "printed" && lines;
  }, "the program's environment in its log");
  expect(ownVariables(printed)).toEqual(["BUN_GC_TIMER_DISABLE=0"]);
});
