// SIGHUP reloads the config and applies the difference, as supervisord's `update` does: added
// programs start, removed ones stop, changed ones restart with the new settings, unchanged ones are
// not touched; an invalid new config changes nothing.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { fixture, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";
import { Pid1 } from "./_pidns.ts";

// A program that writes "ready" to RECORD and every signal it gets after (signals-fixture.sh).
const program = (name: string, record: string, extra = "") => `
[programs.${name}]
command = ["${fixture("signals")}"]
environment = { RECORD = "${record}" }
startsecs = 0
${extra}`;

test("reload with an added, a removed, a changed and an unchanged program does exactly that", async () => {
  using dir = tempDir();
  const file = (name: string) => join(dir.path, name);
  await using pid1 = Pid1.run(dir.path, program("keep", file("keep")) + program("gone", file("gone")) + program("change", file("change-v1")));
  await waitFor(() => ["keep", "gone", "change-v1"].every((f) => readLines(file(f)).includes("ready")), "the first three programs");

  writeConfig(dir.path, program("keep", file("keep")) + program("change", file("change-v2")) + program("added", file("added")));
  await pid1.signal("SIGHUP");
  await pid1.waitForLog(/reload: /);
  await waitFor(() => ["change-v2", "added"].every((f) => readLines(file(f)).includes("ready")), "the changed and the added program to start");
  expect({
    log: pid1.logLines(/reload: /).map((line) => line.slice(line.indexOf("reload: "))),
    keep: readLines(file("keep")), // never signalled, never restarted
    keepSpawns: pid1.logLines(/spawned: keep /).length,
    gone: readLines(file("gone")), // stopped with its stopsignal
    changeOld: readLines(file("change-v1")), // stopped...
    changeNew: readLines(file("change-v2")), // ...and started with the new settings
    added: readLines(file("added")),
  }).toEqual({
    log: ["reload: added added; removed gone; changed change; unchanged keep"],
    keep: ["ready"],
    keepSpawns: 1,
    gone: ["ready", "TERM"],
    changeOld: ["ready", "TERM"],
    changeNew: ["ready"],
    added: ["ready"],
  });
  await pid1.signal("SIGTERM");
  expect(await pid1.exited()).toBe(0);
  // the removed program is forgotten: the shutdown stops the three programs of the new config only
  expect([readLines(file("gone")), readLines(file("keep")), readLines(file("added"))]).toEqual([["ready", "TERM"], ["ready", "TERM"], ["ready", "TERM"]]);
});

test("an invalid config on reload is logged with its diagnostic and leaves every program as it was", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using pid1 = Pid1.run(dir.path, program("app", record));
  await waitFor(() => readLines(record).includes("ready"), "the program to start");
  writeConfig(dir.path, program("app", record, 'stopsignal = "TREM"') + program("other", join(dir.path, "other")));
  await pid1.signal("SIGHUP");
  await pid1.waitForLog(/reload rejected, nothing changed/);
  await pid1.waitForLog(/tsvisor\.toml:6:14: programs\.app\.stopsignal: unknown signal "TREM"/);
  await pid1.signal("SIGTERM");
  expect([await pid1.exited(), readLines(record), pid1.logLines(/spawned: /).length]).toEqual([0, ["ready", "TERM"], 1]);
});
