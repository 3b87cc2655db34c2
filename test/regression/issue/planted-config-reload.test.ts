// Regression: #14 (found by an attack on the merged build) — tsvisor started without -c found
// /etc/tsvisor/tsvisor.toml, and a reload ran the lookup again: a tsvisor.toml a `nobody` program had
// planted in its working directory since then was loaded, and its programs ran as root.
import { expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, tempDir, waitFor } from "../../integration/_harness.ts";
import { NOBODY } from "../../integration/_nobody.ts";

test("a reload reads the file tsvisor started with, not a tsvisor.toml planted in its working directory since", async () => {
  using dir = tempDir();
  const [upper, work, app] = [join(dir.path, "upper"), join(dir.path, "work"), join(dir.path, "app")];
  for (const d of [upper, work, app]) mkdirSync(d);
  chownSync(app, NOBODY, NOBODY); // the image's WORKDIR, the app user's
  const [socket, proof, out] = [join(dir.path, "tsvisor.sock"), join(dir.path, "PROOF"), join(dir.path, "daemon.out")];
  const planted = `[supervisor]\nsocket = "${socket}"\nlog_dir = "${join(dir.path, "logs")}"\n[programs.app]\ncommand = ["sleep", "1000"]\nuser = "nobody"\n[programs.pwn]\ncommand = ["sh", "-c", "id > ${proof}; exec sleep 1000"]\n`;
  const system = `[supervisor]\nsocket = "${socket}"\nlog_dir = "${join(dir.path, "logs")}"\n[programs.app]\ncommand = ["sleep", "1000"]\nuser = "nobody"\nstartsecs = 0\n`;
  writeFileSync(join(dir.path, "system.toml"), system);
  // /etc/tsvisor/tsvisor.toml exists only in this test's mount namespace (an overlay on /etc).
  const script = [
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${upper},workdir=${work} /etc`,
    "mkdir -p /etc/tsvisor", `cp ${join(dir.path, "system.toml")} /etc/tsvisor/tsvisor.toml`,
    `cd ${app}`, `exec ${TSVISOR} run > ${out} 2>&1`,
  ].join(" && ");
  const daemon = Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", script], { env: { ...process.env, TSVISOR_CONFIG: "", TSVISOR_SOCKET: "" } });
  try {
    await waitFor(() => existsSync(out) && readFileSync(out, "utf8").includes("success: app entered RUNNING"), "tsvisor on /etc/tsvisor/tsvisor.toml");
    writeFileSync(join(app, "tsvisor.toml"), planted); // what the nobody program would write
    chownSync(join(app, "tsvisor.toml"), NOBODY, NOBODY);
    const reload = Bun.spawnSync([TSVISOR, "reload", "--socket", socket]);
    expect([reload.exitCode, reload.stdout.toString()]).toEqual([0, "no changes\n"]);
    expect(existsSync(proof)).toBe(false);
  } finally {
    Bun.spawnSync([TSVISOR, "shutdown", "--socket", socket]);
    await daemon.exited;
  }
  expect(readFileSync(out, "utf8")).toContain("starting with /etc/tsvisor/tsvisor.toml");
});
