// `tsvisor -- CMD` as a drop-in for `tini --`: CMD gets tsvisor's stdin, stdout, stderr, environment
// and arguments untouched, and the terminal: its own process group in the terminal's foreground, so
// it can read the terminal and a Ctrl-C reaches it once (tini's setpgid + tcsetpgrp).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, collectLines, isAlive, runTsvisor, tempDir, waitFor } from "./_harness.ts";
import { Pid1, requirePidNamespace } from "./_pidns.ts";

describe("CMD gets what tsvisor was given", () => {
  test.concurrent("stdin, stdout and stderr are CMD's own", async () => {
    await using pid1 = Pid1.start(["--", "sh", "-c", "read line; echo \"out:$line\"; echo \"err:$line\" >&2"], { stdin: "pipe" });
    pid1.proc.stdin!.write("hello\n");
    await pid1.proc.stdin!.end();
    expect([await pid1.exited(), pid1.stdout, pid1.log]).toEqual([0, ["out:hello"], ["err:hello"]]);
  });

  test.concurrent("arguments that look like tsvisor's own options reach CMD verbatim", async () => {
    await using pid1 = Pid1.start(["--", "printf", "%s|", "--help", "-c", "run", "-g", "--", "version"]);
    expect([await pid1.exited(), pid1.stdout]).toEqual([0, ["--help|-c|run|-g|--|version|"]]);
  });

  test.concurrent("the environment reaches CMD unchanged", async () => {
    await using pid1 = Pid1.start(["--", "sh", "-c", "echo \"$GREETING\""], { env: { GREETING: "hello there" } });
    expect([await pid1.exited(), pid1.stdout]).toEqual([0, ["hello there"]]);
  });

  test.concurrent("`tsvisor --` without a command is a usage error: exit 2", async () => {
    const { stderr, exitCode } = await runTsvisor(["--"]);
    expect([exitCode, stderr]).toEqual([2, expect.stringContaining("usage: tsvisor [-g] -- CMD [ARGS...]")]);
  });
});

// Through the foreground exec (x86-64), and through tsvisor's own helper where that cannot run.
test.each([["the foreground exec", ""], ["the helper (TSVISOR_NO_NATIVE=1)", "TSVISOR_NO_NATIVE=1"]] as const)("on a terminal, CMD leads the foreground process group: it reads the terminal and a Ctrl-C reaches it once, through %s", async (_way, env) => {
  requirePidNamespace();
  using dir = tempDir();
  const cmd = join(dir.path, "tty.sh");
  // Counts SIGINTs. If tsvisor shared CMD's process group it would get the Ctrl-C as well and
  // forward it: CMD would count two.
  writeFileSync(cmd, `
n=0
trap 'n=$((n+1))' INT
set -- $(cat /proc/$$/stat)  # pid (comm) state ppid pgrp session tty_nr tpgid ...
echo "pgid=$5 tpgid=$8"
echo ready
read line
echo "read:$line"
while [ "$n" -lt 1 ]; do sleep 0.05; done
sleep 0.5
echo "total:$n"
`);
  // util-linux's script runs its command on a new pseudo-terminal and copies our stdin to it.
  const proc = Bun.spawn(["script", "-qec", `env ${env} unshare --pid --fork --mount-proc ${TSVISOR} -- sh ${cmd}`, "/dev/null"], {
    stdin: "pipe", stdout: "pipe", stderr: "pipe",
  });
  await using _ = { async [Symbol.asyncDispose]() { proc.kill("SIGKILL"); await proc.exited; } };
  const lines: string[] = [];
  const drained = collectLines(proc.stdout, lines);
  // the terminal echoes what we type, so a line may start with "^C": look for the text anywhere in it
  const seen = (text: string) => () => lines.map((l) => l.replace(/\r$/, "")).map((l) => l.slice(l.indexOf(text))).find((l) => l.startsWith(text));
  await waitFor(seen("ready"), `CMD to start on the terminal\n${lines.join("\n")}`);
  proc.stdin.write("hello\n");
  await proc.stdin.flush();
  expect(await waitFor(seen("read:"), "CMD to read the terminal")).toBe("read:hello");
  proc.stdin.write("\x03"); // Ctrl-C: the terminal sends SIGINT to its foreground process group
  await proc.stdin.flush();
  expect(await waitFor(seen("total:"), `CMD to count its SIGINTs\n${lines.join("\n")}`)).toBe("total:1");
  const [, pgid, tpgid] = /^pgid=(\d+) tpgid=(\d+)$/.exec(seen("pgid=")()!)!;
  expect(pgid).toBe(tpgid);
  await proc.stdin.end();
  expect(await proc.exited).toBe(0);
  await drained;
});

// An entrypoint script on `docker run -it` that runs a setup step through tsvisor and then execs
// tsvisor for its main command: CMD's group kept the terminal's foreground after it ended, so the
// script's next read, and the second tsvisor's CMD, were in the background and stopped by SIGTTIN
// (red team, 2026-12-06: hung until killed).
test.each([["the foreground exec", ""], ["the helper (TSVISOR_NO_NATIVE=1)", "TSVISOR_NO_NATIVE=1"]] as const)("on a terminal, the terminal goes back to the script once CMD has ended: its next read and a second `tsvisor -- CMD` read it, through %s", async (_way, env) => {
  using dir = tempDir();
  const entry = join(dir.path, "entry.sh");
  writeFileSync(entry, `
${TSVISOR} -- sh -c 'echo setup done'
read -r line
echo "script read:$line"
exec ${TSVISOR} -- sh -c 'read -r line; echo "CMD read:$line"'
`);
  const proc = Bun.spawn(["script", "-qec", `env ${env} sh ${entry}`, "/dev/null"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  await using _ = { async [Symbol.asyncDispose]() { proc.kill("SIGKILL"); await proc.exited; } };
  const lines: string[] = [];
  const drained = collectLines(proc.stdout, lines);
  const seen = (text: string) => () => lines.map((l) => l.replace(/\r$/, "")).map((l) => l.slice(l.indexOf(text))).find((l) => l.startsWith(text));
  await waitFor(seen("setup done"), `the setup step to run\n${lines.join("\n")}`);
  proc.stdin.write("one\n");
  await proc.stdin.flush();
  expect(await waitFor(seen("script read:"), `the script to read the terminal\n${lines.join("\n")}`, 5_000)).toBe("script read:one");
  proc.stdin.write("two\n");
  await proc.stdin.flush();
  expect(await waitFor(seen("CMD read:"), `the second tsvisor's CMD to read the terminal\n${lines.join("\n")}`, 5_000)).toBe("CMD read:two");
  await proc.stdin.end();
  expect(await proc.exited).toBe(0);
  await drained;
});

// Bun writes back at exit the terminal settings it found at start: `tsvisor -- stty -echo` was undone,
// and a background tsvisor that ended put a foreground program's terminal back in line mode (red team,
// 2026-12-06). Under tini, and now tsvisor, what CMD set stays.
test("on a terminal, the settings CMD leaves (stty -echo) stay once tsvisor has exited, as under tini", async () => {
  using dir = tempDir();
  const script = join(dir.path, "stty.sh");
  writeFileSync(script, `stty echo\n${TSVISOR} -- stty -echo\nstty -a | grep -o -e ' -echo ' -e ' echo ' | head -n 1\nstty echo\n`);
  const proc = Bun.spawn(["script", "-qec", `sh ${script}`, "/dev/null"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect({ code, echo: out.replace(/\r/g, "").trim() }).toEqual({ code: 0, echo: "-echo" });
});

// docs/init.md "The parent-death signal" (issue 15 item 13): outside a PID namespace a CMD whose
// tsvisor was killed does not run on unsupervised; tini (even with -p, which is about tini itself) leaves it.
test.concurrent("CMD gets SIGKILL when tsvisor itself is killed (its parent-death signal), spawned directly, through the helper or through the foreground exec", async () => {
  for (const way of ["spawned directly", "through the helper", "through the foreground exec"] as const) {
    using dir = tempDir();
    const pidFile = join(dir.path, "pid");
    const tsvisorPidFile = join(dir.path, "tsvisor-pid");
    const cmd = ["sh", "-c", `echo $$ > ${pidFile}; exec sleep 1000`];
    // LISTEN_PID naming tsvisor is the other way to take the helper, no terminal needed; the
    // foreground exec is taken on a terminal (util-linux's script gives one)
    const argv = way === "spawned directly" ? [TSVISOR, "--", ...cmd]
      : way === "through the helper" ? ["sh", "-c", `LISTEN_PID=$$ exec ${TSVISOR} -- "$@"`, "sh", ...cmd]
      : ["script", "-qec", `sh -c 'echo $$ > ${tsvisorPidFile}; exec ${TSVISOR} -- sh -c "echo \\$\\$ > ${pidFile}; exec sleep 1000"'`, "/dev/null"];
    const proc = Bun.spawn(argv, { stdin: way === "through the foreground exec" ? "pipe" : "ignore", stdout: "ignore", stderr: "ignore" });
    const readPid = (path: string) => () => { const text = existsSync(path) ? readFileSync(path, "utf8").trim() : ""; return text ? Number(text) : undefined; };
    const pid = await waitFor(readPid(pidFile), `CMD to start ${way}`);
    if (way === "through the foreground exec") {
      const tsvisorPid = await waitFor(readPid(tsvisorPidFile), "tsvisor's pid");
      expect(tsvisorPid).not.toBe(pid);
      process.kill(tsvisorPid, "SIGKILL");
    } else {
      proc.kill("SIGKILL");
    }
    await waitFor(() => !isAlive(pid), `CMD (pid ${pid}, ${way}) to die with tsvisor`);
    proc.kill("SIGKILL");
    await proc.exited;
  }
});
