import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, fixture, readLines, tempDir, waitFor } from "./_harness.ts";

test("numprocs starts one supervised instance per number, named from process_name", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `
[programs.worker]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
numprocs = 3
numprocs_start = 1
process_name = "{name}-{num:02}"
startsecs = 0
`);
  await waitFor(() => readLines(record).length === 3, "three instances");
  const names = readLines(record).map((l) => l.split(" ")[1]).sort();
  expect(names).toEqual(["worker-01", "worker-02", "worker-03"]);
  for (const name of names) await daemon.waitForLog(new RegExp(`success: ${name} entered RUNNING`));
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect(daemon.logLines(/stopped: worker-0\d/).length).toBe(3);
});
