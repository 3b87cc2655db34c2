// Regression: issue 15 item 3 — durations past 2^31-1 ms fired at once: `startsecs = "600h"` was
// RUNNING at once, `stopwaitsecs = "600h"` sent SIGKILL after 0.2 s, `max_runtime = "597h"` stopped
// the program at once. A real Supervisor runs real programs here; only time is virtual (the
// injectable clock and scheduler), so 600 hours play out at once.
import { expect, test } from "bun:test";
import { createConsola, type LogObject } from "consola";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { load, toml } from "../config/_helpers.ts";
import { VirtualTime } from "../fixtures/virtual-time.ts";

const HOUR = 3_600_000;

// A Supervisor of one program `p` on virtual time, with its log lines collected.
function supervise(programLines: string[]) {
  const time = new VirtualTime();
  const lines: string[] = [];
  const logger = createConsola({ level: 4, reporters: [{ log: (e: LogObject) => void lines.push(e.args.join(" ")) }] });
  const config = load({ "tsvisor.toml": toml("[programs.p]", ...programLines, "[supervisor]", `log_dir = "logs"`, "sample_interval = 0") });
  const supervisor = new Supervisor(config, { logger, env: { PATH: process.env.PATH }, now: time.now, scheduler: time });
  const record = () => supervisor.snapshot()[0]!;
  const until = (done: () => boolean) => new Promise<void>((resolve) => {
    const check = () => done() && (off(), resolve());
    const off = supervisor.onChange(check);
    check();
  });
  return { time, lines, supervisor, record, until };
}

test('startsecs = "600h" stays STARTING until 600 hours have passed', async () => {
  const t = supervise([`command = ["sleep", "1000"]`, `startsecs = "600h"`]);
  t.supervisor.startAll();
  await t.until(() => t.record().pid !== null);
  t.time.advance(600 * HOUR - 1);
  expect(t.record().state).toBe("STARTING");
  t.time.advance(1);
  expect(t.record().state).toBe("RUNNING");
  await t.supervisor.shutdown();
});

test('max_runtime = "597h" stops the program after 597 hours, not at once', async () => {
  const t = supervise([`command = ["sleep", "1000"]`, "startsecs = 0", `max_runtime = "597h"`, "autorestart = false"]);
  t.supervisor.startAll();
  await t.until(() => t.record().state === "RUNNING");
  t.time.advance(597 * HOUR - 1);
  expect(t.record().state).toBe("RUNNING");
  t.time.advance(1);
  await t.until(() => t.record().state === "EXITED");
  expect(t.record().reason).toBe("max_runtime (2149200s) reached: terminated by SIGTERM; not expected");
  await t.supervisor.shutdown();
});

test('stopwaitsecs = "600h": no SIGKILL before 600 hours after the stop signal', async () => {
  const ready = join(mkdtempSync(join(tmpdir(), "tsvisor-stopwait-")), "trapped");
  const t = supervise([`command = ["sh", "-c", "trap '' TERM; touch ${ready}; while :; do sleep 1; done"]`, "startsecs = 0", `stopwaitsecs = "600h"`]);
  t.supervisor.startAll();
  for (const deadline = Date.now() + 10_000; !existsSync(ready); await Bun.sleep(10)) {
    if (Date.now() > deadline) throw new Error("the program never set its trap");
  } // the trap is set: SIGTERM is ignored from now on
  const pid = t.record().pid!;
  const stopped = t.supervisor.stopProcesses(["p"], true);
  t.time.advance(600 * HOUR - 1);
  expect([t.record().state, t.lines.filter((l) => l.startsWith("killing:"))]).toEqual(["STOPPING", []]);
  t.time.advance(1);
  await stopped;
  expect([t.record().state, t.record().reason]).toEqual(["STOPPED", "terminated by SIGKILL"]);
  expect(t.lines.filter((l) => l.startsWith("killing:"))).toEqual([`killing: p (pid ${pid}) with SIGKILL, still running 2160000s after SIGTERM`]);
  await t.supervisor.shutdown();
});
