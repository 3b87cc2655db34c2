// Regression: issue 15 item 3 — durations past 2^31-1 ms fired at once (setTimeout clamps them to
// 1 ms): `startsecs = "600h"` was RUNNING at once, `stopwaitsecs = "600h"` sent SIGKILL after 0.2 s,
// `max_runtime = "597h"` stopped the program at once and a 600h health interval probed ~80 times a second.
// Each long setting runs beside the same program with a short one, whose effect is the clock: when
// the short one has happened, the long one must not have.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor } from "../../integration/_harness.ts";

test('startsecs = "600h" stays STARTING and max_runtime = "597h" does not stop the program', async () => {
  using dir = tempDir();
  const probes = join(dir.path, "probes");
  await using daemon = Daemon.start(dir.path, `
[programs.long]
command = ["sleep", "100000"]
startsecs = "600h"
[programs.capped]
command = ["sleep", "100000"]
startsecs = 0
max_runtime = "597h"
[programs.capped.healthcheck]
command = ["sh", "-c", "echo probe >> ${probes}"]
interval = "600h"
[programs.clock]
command = ["sleep", "100000"]
startsecs = 2
`);
  await daemon.waitForLog(/success: clock entered RUNNING/);
  expect([(await daemon.status("long"))?.state, (await daemon.status("capped"))?.state]).toEqual(["STARTING", "RUNNING"]);
  expect(daemon.logLines(/max_runtime|killing:/)).toEqual([]);
  expect(readLines(probes)).toEqual([]); // a probe is due in 600 hours
});

test('stopwaitsecs = "600h" sends no SIGKILL while the program ignores SIGTERM', async () => {
  using dir = tempDir();
  const ignoreTerm = (name: string) => `["sh", "-c", "trap '' TERM; touch ${join(dir.path, name)}; while :; do sleep 1; done"]`;
  await using daemon = Daemon.start(dir.path, `
[programs.long]
command = ${ignoreTerm("long")}
startsecs = 0
stopwaitsecs = "600h"
[programs.clock]
command = ${ignoreTerm("clock")}
startsecs = 0
stopwaitsecs = 1
`);
  await waitFor(async () => (await Bun.file(join(dir.path, "long")).exists()) && (await Bun.file(join(dir.path, "clock")).exists()), "both programs to ignore SIGTERM");
  expect((await daemon.ctl(["stop", "--no-wait", "long", "clock"])).exitCode).toBe(0);
  await daemon.waitForLog(/stopped: clock \(terminated by SIGKILL\)/);
  expect((await daemon.status("long"))?.state).toBe("STOPPING");
  expect(daemon.logLines(/killing: long/)).toEqual([]);
  await daemon.ctl(["signal", "KILL", "long"]); // or shutting the daemon down would wait 600 hours
  await daemon.waitForLog(/stopped: long \(terminated by SIGKILL\)/);
});
