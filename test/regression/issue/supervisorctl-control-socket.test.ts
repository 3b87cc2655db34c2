// Regression: issue 16 — supervisorctl pointed at tsvisor's control socket got a BadStatusLine (the
// socket spoke only JSON lines); it speaks HTTP to whoever begins with a request line now.
import { beforeAll, expect, test } from "bun:test";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";
import { ensureSupervisor, supervisorctl } from "../../integration/_supervisorctl.ts";

beforeAll(ensureSupervisor);

test("supervisorctl -s unix://CONTROL_SOCKET status prints supervisord's table", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  const result = await waitFor(async () => {
    const r = await supervisorctl(dir.path, `unix://${daemon.socket}`, ["status"]);
    return r.stdout.includes("pid") || r.stdout.includes("error") ? r : undefined;
  }, "supervisorctl to answer");
  expect([result.stdout.replace(/pid \d+, uptime \d+:\d\d:\d\d/, "pid N, uptime T"), result.exitCode]).toEqual([
    "web                              RUNNING   pid N, uptime T\n", 0,
  ]);
});
