// The replies docs/protocol.md shows, as a running tsvisor gives them (issue 19: `version`'s example
// lacked the envelope, `reload`'s result had an undocumented `unchanged` list); `log_files` (issue 15).
import { expect, test } from "bun:test";
import { sendRequest } from "../../src/control/client.ts";
import { Daemon, tempDir, writeConfig } from "./_harness.ts";

test("version and reload answer with the envelope and the fields docs/protocol.md shows", async () => {
  using dir = tempDir();
  const programs = `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n[programs.worker]\ncommand = ["sleep", "1000"]\nnumprocs = 2\nstartsecs = 0\n`;
  await using daemon = Daemon.start(dir.path, programs);
  await daemon.waitForSocket();
  expect(await sendRequest(daemon.socket, { op: "version" })).toEqual({
    v: 1, id: expect.any(Number), ok: true, result: { version: expect.any(String), protocol: 1, pid: daemon.proc.pid, state: "RUNNING" },
  });
  writeConfig(dir.path, `${programs.replace('"1000"]', '"1001"]')}[programs.cron]\ncommand = ["sleep", "1000"]\n`);
  expect(await sendRequest(daemon.socket, { op: "reload" })).toEqual({
    v: 1, id: expect.any(Number), ok: true, result: { added: ["cron"], removed: [], changed: ["web"], unchanged: ["worker-0", "worker-1"] },
  });
});

test("log_files answers with the shape docs/protocol.md shows", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\n[programs.cron]\ncommand = ["sleep", "1000"]\nredirect_stderr = true\n`);
  await daemon.waitForSocket();
  const logs = `${dir.path}/logs`;
  expect(await sendRequest(daemon.socket, { op: "log_files", names: ["web", "cron"] })).toEqual({
    v: 1, id: expect.any(Number), ok: true, result: { processes: [
      { name: "web", group: "web", stdout: { path: `${logs}/web.out.log`, backups: 10 }, stderr: { path: `${logs}/web.err.log`, backups: 10 }, redirect_stderr: false, timestamps: false },
      { name: "cron", group: "cron", stdout: { path: `${logs}/cron.out.log`, backups: 10 }, stderr: null, redirect_stderr: true, timestamps: false },
    ] },
  });
});
