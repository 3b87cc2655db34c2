// Regression (red team, 2026-12-05): `user =` gave a program its uid and primary gid and no other
// group (Bun.spawn clears them), where supervisord gives it all of its user's groups (initgroups): a
// program in a shared data group could not read its data, nor run a tool only that group may run.
// /etc/group is this test's own, in a mount namespace: nobody is a member of group 4242 there.
import { expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, tempDir, waitFor } from "../../integration/_harness.ts";

test("a program run as a user gets every group of that user, and can run and read what only a group of it may", async () => {
  using dir = tempDir();
  const group = join(dir.path, "group");
  writeFileSync(group, `${readFileSync("/etc/group", "utf8").trimEnd()}\ntsvtest:x:4242:someone,nobody\n`);
  const [data, tool, out, log] = [join(dir.path, "data"), join(dir.path, "tool.sh"), join(dir.path, "out"), join(dir.path, "tsvisor.out")];
  writeFileSync(data, "the group's data\n");
  chownSync(data, 0, 4242);
  chmodSync(data, 0o640);
  writeFileSync(tool, `#!/bin/sh\ngrep -E '^Groups:' /proc/self/status > ${out}\ncat ${data} >> ${out}\nexec sleep 1000\n`);
  chownSync(tool, 0, 4242);
  chmodSync(tool, 0o750); // only root and group 4242 may run it
  writeFileSync(join(dir.path, "tsvisor.toml"), `[supervisor]\nlog_dir = "${dir.path}/logs"\n[programs.app]\ncommand = ["${tool}"]\nuser = "nobody"\nstartsecs = 0\n`);
  const script = `mount --bind ${group} /etc/group && exec ${TSVISOR} run -c ${dir.path}/tsvisor.toml > ${log} 2>&1`;
  const daemon = Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", script], { env: { ...process.env, TSVISOR_SOCKET: join(dir.path, "s.sock") } });
  try {
    await waitFor(() => (existsSync(out) && readFileSync(out, "utf8").includes("data")) || (existsSync(log) && /spawn error|FATAL/.test(readFileSync(log, "utf8")) && "failed"), "the program to run");
    expect({ out: existsSync(out) ? readFileSync(out, "utf8").replace(/[ \t]+/g, " ") : "(it never ran)", log: readFileSync(log, "utf8").match(/spawn error.*|exited.*/g) ?? [] })
      .toEqual({ out: "Groups: 4242 65534 \nthe group's data\n", log: [] });
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
  }
});

// Red team, second round: the groups were read at start and reload only, so a membership removed from
// /etc/group stayed with a restarting program until a reload; supervisord reads them at every start.
test("a group membership removed from /etc/group is gone at the program's next start", async () => {
  using dir = tempDir();
  const group = join(dir.path, "group");
  const system = readFileSync("/etc/group", "utf8").trimEnd();
  writeFileSync(group, `${system}\ntsvtest:x:4242:nobody\n`);
  const [out, log] = [join(dir.path, "out"), join(dir.path, "tsvisor.out")];
  // each start appends its groups, runs a moment and exits; autorestart starts it again
  writeFileSync(join(dir.path, "tsvisor.toml"), `[supervisor]\nlog_dir = "${dir.path}/logs"\n[programs.app]\ncommand = ["/bin/sh", "-c", "grep -E '^Groups:' /proc/self/status >> ${out}; sleep 0.3"]\nuser = "nobody"\nstartsecs = 0\nautorestart = true\nbackoff_delay = "100ms"\nbackoff_max = "200ms"\n`);
  const script = `mount --bind ${group} /etc/group && exec ${TSVISOR} run -c ${dir.path}/tsvisor.toml > ${log} 2>&1`;
  const daemon = Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", script], { env: { ...process.env, TSVISOR_SOCKET: join(dir.path, "s.sock") } });
  const starts = () => (existsSync(out) ? readFileSync(out, "utf8").trim().split("\n").map((line) => line.replace(/[ \t]+/g, " ").trim()) : []);
  try {
    await waitFor(() => starts().length > 0 || undefined, "the first start");
    writeFileSync(group, `${system}\n`); // in place: the bind mount shows the same file
    const seenBefore = starts().length;
    await waitFor(() => starts().length >= seenBefore + 2 || undefined, "two more starts");
    expect({ first: starts()[0], last: starts().at(-1) }).toEqual({ first: "Groups: 4242 65534", last: "Groups: 65534" });
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
  }
});
