// Programs start in one exec of their own (os/native-spawn.ts); where that cannot be had, through
// Bun.spawn and tsvisor's parent-death exec (os/pdeathsig-exec.ts, forced here with
// TSVISOR_NO_NATIVE_SPAWN=1), or setpriv's way (TSVISOR_NO_NATIVE=1). Each way, what a user sees of the
// program is the program alone (its pid, argv and executable, descriptors 0-2 only, its own user), and
// a SIGKILLed tsvisor takes every program along (docs/reliability.md).
import { expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { Daemon, TSVISOR, isAlive, tempDir, waitFor } from "./_harness.ts";
import { NOBODY } from "./_nobody.ts";
import { descendantsOf } from "./_pidns.ts";

setDefaultTimeout(30_000);

const uidOf = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m)![1]);

const WAYS = [["tsvisor's own spawn", {}], ["the parent-death exec (TSVISOR_NO_NATIVE_SPAWN=1)", { TSVISOR_NO_NATIVE_SPAWN: "1" }], ["setpriv (TSVISOR_NO_NATIVE=1)", { TSVISOR_NO_NATIVE: "1" }]] as const;
test.each(WAYS)(
  "through %s: each program is itself (pid, argv, executable, fds 0-2, user), and a SIGKILLed tsvisor takes them along",
  async (_, env) => {
    using dir = tempDir();
    // a command found relative to the program's directory, as execvp finds it
    const script = join(dir.path, "ticker.sh");
    writeFileSync(script, "#!/bin/sh\nexec sleep 100003\n");
    chmodSync(script, 0o755);
    await using daemon = Daemon.start(dir.path, `
[programs.root]
command = ["sleep", "100001"]
startsecs = 0
[programs.nobody]
command = ["sleep", "100002"]
startsecs = 0
user = "nobody"
[programs.relative]
command = ["./ticker.sh", "an argument"]
directory = "${dir.path}"
startsecs = 0
`, { env });
    const pids = await waitFor(async () => {
      const all = await Promise.all(["root", "nobody", "relative"].map((name) => daemon.status(name)));
      return all.every((p) => p?.state === "RUNNING" && p.pid !== null) ? all.map((p) => p!.pid!) : undefined;
    }, "three programs RUNNING");
    // the script has exec'd sleep by the time its cmdline says so
    await waitFor(() => readFileSync(`/proc/${pids[2]}/cmdline`, "utf8").startsWith("sleep"), "ticker.sh to exec sleep");
    const seen = pids.map((pid) => ({
      argv: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1),
      executable: readlinkSync(`/proc/${pid}/exe`),
      fds: readdirSync(`/proc/${pid}/fd`).sort(),
      uid: uidOf(pid),
    }));
    expect(seen).toEqual([
      { argv: ["sleep", "100001"], executable: "/usr/bin/sleep", fds: ["0", "1", "2"], uid: 0 },
      { argv: ["sleep", "100002"], executable: "/usr/bin/sleep", fds: ["0", "1", "2"], uid: NOBODY },
      { argv: ["sleep", "100003"], executable: "/usr/bin/sleep", fds: ["0", "1", "2"], uid: 0 },
    ]);
    daemon.signal("SIGKILL");
    await daemon.exited();
    await waitFor(() => pids.every((pid) => !isAlive(pid)), `every program to die with tsvisor: ${pids.filter(isAlive).join(" ")}`);
  },
);

// A hardened host (vm.memfd_noexec = 2, set here in a PID namespace of the test's own) refuses to make
// an executable memfd: where tsvisor's own spawn is not had either, tsvisor falls back to setpriv, and
// the parent-death signal still holds.
test("where memfds may not be executed (vm.memfd_noexec = 2) programs start through setpriv and still die with tsvisor", async () => {
  using dir = tempDir();
  writeFileSync(join(dir.path, "tsvisor.toml"), `[programs.sleeper]\ncommand = ["sleep", "100004"]\nstartsecs = 0\n`);
  const script = `echo 2 > /proc/sys/vm/memfd_noexec && TSVISOR_NO_NATIVE_SPAWN=1 exec ${TSVISOR} run -c ${join(dir.path, "tsvisor.toml")} --socket ${join(dir.path, "s.sock")}`;
  // tsvisor must not be PID 1 of the namespace, and PID 1 must outlive it: when PID 1 dies the kernel
  // kills the whole namespace, which would kill the program whatever its parent-death signal.
  const outer = Bun.spawn(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", `sh -c '${script}' & wait; exec sleep 60`], { stdout: "pipe", stderr: "pipe" });
  try {
    const { pid: sleeper, ppid: tsvisor } = await waitFor(() => descendantsOf(outer.pid).find((p) => p.comm === "sleep" && p.ppid !== outer.pid), "the program to start");
    const parent = readFileSync(`/proc/${tsvisor}/cmdline`, "utf8").split("\0")[0];
    const argv = readFileSync(`/proc/${sleeper}/cmdline`, "utf8").split("\0").slice(0, -1);
    const memfds = readdirSync(`/proc/${tsvisor}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${tsvisor}/fd/${fd}`).startsWith("/memfd:tsvisor-pdeathsig-exec");
      } catch {
        return false;
      }
    });
    process.kill(tsvisor, "SIGKILL");
    await waitFor(() => !isAlive(sleeper), "the program to die with tsvisor");
    expect({ parent, argv, memfds }).toEqual({ parent: TSVISOR, argv: ["sleep", "100004"], memfds: [] });
  } finally {
    outer.kill("SIGKILL");
    await outer.exited;
  }
});

