// Regression (red team, 2026-12-07): tsvisor waited, with no deadline, until each child it started
// reached its exec. The child switches to the program's user before its last steps, so a `nobody`
// program that SIGSTOPped tsvisor's starting children (its own user's processes, for a moment) froze
// the root daemon for good: no `status`, SIGTERM ignored, no output read. The racer that found it hits
// the window only sometimes; this test holds the child in that very window with ptrace (at its first
// system call as the program's user), every time.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";
import { NOBODY } from "../../integration/_nobody.ts";

const HOLDER = join(import.meta.dir, "../../fixtures/hold-as-user-fixture.ts");

/** A command's result, or "no answer" once `deadlineMs` has passed (the command is then killed). */
async function answerWithin(daemon: Daemon, args: string[], deadlineMs: number) {
  const command = daemon.ctl(args);
  const late = Bun.sleep(deadlineMs).then(() => "no answer" as const);
  return Promise.race([command, late]);
}

test("a starting program held before its exec, as its own user could, does not stop tsvisor", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.held]
command = ["sleep", "1000"]
user = "nobody"
autostart = false
startsecs = 0
[programs.other]
command = ["sleep", "1000"]
autostart = false
startsecs = 0
`);
  await daemon.waitForSocket();
  const holder = Bun.spawn([process.execPath, HOLDER, String(daemon.proc.pid), String(NOBODY)], { stdout: "pipe", stderr: "inherit" });
  const said: string[] = [];
  const reading = (async () => { for await (const chunk of holder.stdout.pipeThrough(new TextDecoderStream())) said.push(chunk); })();
  try {
    await waitFor(() => said.join("").includes("attached"), "the tracer to attach");
    const starting = answerWithin(daemon, ["start", "held", "--no-wait"], 10_000);
    const held = Number(await waitFor(() => said.join("").match(/held (\d+)/)?.[1], "the program's process to be held after its user switch"));
    const uid = readFileSync(`/proc/${held}/status`, "utf8").match(/^Uid:\s+(\d+)/m)?.[1];

    const status = await answerWithin(daemon, ["status"], 10_000);
    const startOther = await answerWithin(daemon, ["start", "other"], 10_000);
    expect({
      uid: Number(uid),
      started: await starting.then((result) => (result === "no answer" ? result : result.exitCode)),
      status: status === "no answer" ? status : status.stdout.match(/^held\s+\S+/m)?.[0].replace(/\s+/, " "),
      startOther: startOther === "no answer" ? startOther : startOther.exitCode,
    }).toEqual({ uid: NOBODY, started: 0, status: "held RUNNING", startOther: 0 });
  } finally {
    holder.kill("SIGKILL"); // the held process goes on to its exec
    await Promise.all([holder.exited, reading]);
  }
  // let go, the program becomes what it would have been
  expect(await waitFor(async () => (await daemon.status("held"))?.state === "RUNNING" || undefined, "held to be RUNNING once let go")).toBe(true);
});
