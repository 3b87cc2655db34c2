// Orphaned descendants come to tsvisor (as PID 1 by the kernel, otherwise as a child subreaper) and
// are reaped, while the exit statuses of supervised programs, which Bun waits for, stay exact.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, fixture, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";
import { Pid1 } from "./_pidns.ts";

// The parent pid of a live process, null once it is gone (a zombie still has one).
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

const isGone = (pid: number) => !existsSync(`/proc/${pid}`);

describe("a double-forked daemon is re-parented to tsvisor and reaped when it exits", () => {
  test.concurrent("init mode, tsvisor as PID 1", async () => {
    using dir = tempDir();
    const pidFile = join(dir.path, "daemon.pid");
    await using pid1 = Pid1.start(["--", fixture("orphan"), "2", pidFile]);
    const daemon = await pid1.outerPid(Number(await waitFor(() => readLines(pidFile)[0], "the daemon's pid")));
    // Re-parenting happens when the middle process exits, which may come just after the pid file.
    const adopter = await pid1.pid();
    await waitFor(() => parentOf(daemon) === adopter, `daemon ${daemon} to be re-parented to tsvisor (${adopter})`);
    await waitFor(() => isGone(daemon), `daemon ${daemon} to be reaped (a zombie would stay in /proc)`);
  });

  test.concurrent("run mode, tsvisor as PID 1", async () => {
    using dir = tempDir();
    const pidFile = join(dir.path, "daemon.pid");
    await using pid1 = Pid1.run(dir.path, `
[programs.forker]
command = ["${fixture("orphan")}", "2", "${pidFile}"]
startsecs = 0
`);
    const daemon = await pid1.outerPid(Number(await waitFor(() => readLines(pidFile)[0], "the daemon's pid")));
    // Re-parenting happens when the middle process exits, which may come just after the pid file.
    const adopter = await pid1.pid();
    await waitFor(() => parentOf(daemon) === adopter, `daemon ${daemon} to be re-parented to tsvisor (${adopter})`);
    await waitFor(() => isGone(daemon), `daemon ${daemon} to be reaped`);
  });

  test.concurrent("init mode, tsvisor not PID 1: it registers as a child subreaper", async () => {
    using dir = tempDir();
    const pidFile = join(dir.path, "daemon.pid");
    await using tsvisor = { proc: Bun.spawn([TSVISOR, "--", fixture("orphan"), "1", pidFile], { stdout: "ignore", stderr: "pipe" }),
      async [Symbol.asyncDispose]() { this.proc.kill("SIGKILL"); await this.proc.exited; } };
    const daemon = Number(await waitFor(() => readLines(pidFile)[0], "the daemon's pid"));
    // Re-parenting happens when the middle process exits, which may come just after the pid file.
    const adopter = tsvisor.proc.pid;
    await waitFor(() => parentOf(daemon) === adopter, `daemon ${daemon} to be re-parented to tsvisor (${adopter})`);
    await waitFor(() => isGone(daemon), `daemon ${daemon} to be reaped`);
    tsvisor.proc.kill("SIGTERM");
    expect([await tsvisor.proc.exited, await new Response(tsvisor.proc.stderr).text()]).toEqual([0, ""]);
  });
});

test("a storm of 10,000 orphans leaves no zombie, while supervised programs that exit constantly keep exact exit statuses", async () => {
  using dir = tempDir();
  const done = join(dir.path, "storm-done");
  const storm = `
[programs.storm]
command = ["${fixture("orphan-storm")}", "10000", "${done}"]
autorestart = false
startsecs = 0
`;
  // Two programs that end and are restarted at once, all through the storm: any exit status the
  // reaper took from Bun would show up as a wrong status (Bun reports one it could not get as 0).
  // Each lives 200 ms, so that the two do not starve the storm of CPU on a small machine.
  const flappers = `
[programs.flapper]
command = ["${fixture("exit-with")}", "3"]
environment = { DELAY = "0.2" }
autorestart = true
startsecs = 0
backoff_delay = 0

[programs.killed]
command = ["${fixture("kill-self")}", "USR1"]
environment = { DELAY = "0.2" }
autorestart = true
startsecs = 0
backoff_delay = 0
`;
  await using pid1 = Pid1.run(dir.path, storm + flappers);
  // Making them is fork-bound: seconds on an idle 2-core machine, minutes when it is overloaded.
  await waitFor(() => existsSync(done), "10,000 orphans to be made", 400_000);
  // On a fast machine the storm is over in a second, before the flappers have ended many times: the
  // counts below need more of their ends (the storm's orphans may still be being reaped meanwhile).
  const exits = (name: string) => pid1.logLines(new RegExp(`exited: ${name} \\(`)).map((line) => line.slice(line.indexOf("exited: ")));
  await waitFor(() => exits("flapper").length > 10 && exits("killed").length > 10, "the flappers to end more than 10 times each", 60_000);
  // The flappers would keep making short-lived zombies of their own (until Bun reaps each): a reload
  // removes them, so that "no zombie" can be checked exactly.
  writeConfig(dir.path, storm);
  await pid1.signal("SIGHUP");
  await pid1.waitForLog(/reload: removed flapper, killed; unchanged storm/, 30_000);
  const zombies = await waitFor(async () => {
    const found = (await pid1.processes()).filter((p) => p.state === "Z");
    return found.length === 0 ? found : undefined;
  }, "no zombie in the namespace", 30_000);
  expect(zombies).toEqual([]);

  const flapperExits = exits("flapper");
  const killedExits = exits("killed");
  expect(flapperExits.length).toBeGreaterThan(10);
  expect(killedExits.length).toBeGreaterThan(10);
  expect(new Set(flapperExits)).toEqual(new Set(["exited: flapper (exit status 3; not expected)"]));
  expect(new Set(killedExits)).toEqual(new Set(["exited: killed (terminated by SIGUSR1; not expected)"]));
  // every spawn of a flapper was followed by exactly one exit (the last one was stopped by the reload)
  expect(pid1.logLines(/spawned: flapper/).length).toBe(flapperExits.length + 1);
}, 480_000);
