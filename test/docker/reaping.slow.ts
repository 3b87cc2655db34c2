// tsvisor as the container's PID 1 reaps what its programs orphan: a double-forked daemon comes to
// it and is reaped when it exits, and a storm of orphaned zombies leaves none behind.
import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { waitFor } from "../infra/wait-for.ts";
import { Container, configDir } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();
// test/fixtures/bin, mounted read-only: the same orphan makers the PID-namespace tests use (sh, perl-base).
const FIXTURES = ["-v", `${resolve(import.meta.dir, "../fixtures/bin")}:/fixtures:ro`];

// Zombies in the container: "pid ppid" of every process in state Z, read from the container's /proc.
async function zombies(container: Container): Promise<string[]> {
  const { stdout } = await container.exec(["sh", "-c", "for s in /proc/[0-9]*/stat; do read -r line < $s 2>/dev/null || continue; set -- ${line##*) }; [ \"$1\" = Z ] && echo \"${s#/proc/} ppid=$2\"; done; true"]);
  return stdout.split("\n").filter(Boolean);
}

test("a double-forked daemon is re-parented to tsvisor (PID 1) and reaped when it exits", async () => {
  using config = configDir(`
[programs.daemonizer]
command = ["/fixtures/orphan-fixture.sh", "3", "/tmp/daemon.pid"]
`);
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: [...config.mount, ...FIXTURES] });
  const pid = await waitFor(async () => {
    const { stdout, exitCode } = await container.exec(["cat", "/tmp/daemon.pid"]);
    return exitCode === 0 && stdout.trim();
  }, "the daemon's pid file");
  const ppid = await container.exec(["sh", "-c", `grep '^PPid:' /proc/${pid}/status`]);
  expect(ppid.stdout.trim()).toBe("PPid:\t1");
  // `sleep 3` ends: tsvisor must collect it (a zombie still has its /proc entry)
  await waitFor(async () => (await container.exec(["test", "-e", `/proc/${pid}`])).exitCode !== 0, `the daemon ${pid} to be reaped`, 20_000);
  expect(await zombies(container)).toEqual([]);
});

test("2,000 orphaned zombies are all reaped", async () => {
  using config = configDir(`
[programs.storm]
command = ["/fixtures/orphan-storm-fixture.sh", "2000", "/tmp/storm.done"]
`);
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: [...config.mount, ...FIXTURES] });
  await waitFor(async () => (await container.exec(["test", "-e", "/tmp/storm.done"])).exitCode === 0, "the storm to be made", 60_000);
  let left: string[] = [];
  await waitFor(async () => (left = await zombies(container)).length === 0, `no zombie left; still: ${left.slice(0, 10).join(", ")}`, 30_000);
  // and the program that made them is still there: RUNNING once its startsecs (1 s) are over, which
  // on a fast machine is after the storm
  const status = await waitFor(async () => {
    const s = await container.exec(["tsvisor", "status", "storm"]);
    return !/^storm\s+STARTING\s/m.test(s.stdout) && s;
  }, "storm to be past STARTING", 10_000);
  expect(status.stdout).toMatch(/^storm\s+RUNNING\s/m);
});
