// Regression (red team): a PROCESS_LOG_* hook got the event's data in TSVISOR_EVENT_DATA as well as
// on stdin. Linux refuses a variable over 128 KiB (MAX_ARG_STRLEN), so any line longer than that made
// every run of the hook fail with E2BIG, and a line holding a NUL byte (which no variable can hold)
// failed it too: one long line silently defeated the program's log hooks. The whole data is on stdin;
// the variable now holds at most its first 32 KiB, and TSVISOR_EVENT_TRUNCATED names it when cut.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor } from "../../integration/_harness.ts";

const LINE_BYTES = 300 * 1024;

// The hook appends the JSON it read on stdin, then "<length of TSVISOR_EVENT_DATA> <TSVISOR_EVENT_TRUNCATED>".
const recordingHook = (out: string) => `
[[hooks]]
on = ["PROCESS_LOG_STDOUT"]
command = ["sh", "-c", "cat >> ${out}.jsonl; echo \\"\${#TSVISOR_EVENT_DATA} $TSVISOR_EVENT_TRUNCATED\\" >> ${out}.env"]
`;

test("a log hook runs for a 300 KiB line: the whole line on stdin, its first 32 KiB in TSVISOR_EVENT_DATA, marked truncated", async () => {
  using dir = tempDir();
  const out = join(dir.path, "hook");
  await using daemon = Daemon.start(dir.path, `
[programs.app]
command = ["sh", "-c", "head -c ${LINE_BYTES} /dev/zero | tr '\\\\0' x; echo; exec sleep 60"]
user = "nobody"
stdout_events_enabled = true
console = false
${recordingHook(out)}`);
  // the line may come in more than one event (the output is read in pieces): together they are the line
  const dataSoFar = () => {
    try {
      return readLines(`${out}.jsonl`).map((line) => JSON.parse(line).data as string).join("");
    } catch {
      return ""; // a run is still writing its line
    }
  };
  await waitFor(() => dataSoFar().length > LINE_BYTES || daemon.logLines(/hook failed/).length > 0, "the whole line, or a hook failure", 10_000);
  expect(daemon.logLines(/hook failed/)).toEqual([]);
  await waitFor(() => readLines(`${out}.env`).length === readLines(`${out}.jsonl`).length, "the hook's variables of every run");
  const events = readLines(`${out}.jsonl`).map((line) => JSON.parse(line));
  expect(dataSoFar()).toBe(`${"x".repeat(LINE_BYTES)}\n`);
  // each run's variable: the data's first 32 KiB, named in TSVISOR_EVENT_TRUNCATED when that is not all of it
  const expected = events.map((e) => (e.data.length > 32 * 1024 ? `${32 * 1024} TSVISOR_EVENT_DATA` : `${e.data.length}`));
  expect(readFileSync(`${out}.env`, "utf8").split("\n").filter(Boolean).map((l) => l.trimEnd()).sort()).toEqual(expected.sort());
  expect(expected).toContain(`${32 * 1024} TSVISOR_EVENT_DATA`);
}, 30_000);

test("a log hook runs for a line holding a NUL byte: the variable stops before it, marked truncated", async () => {
  using dir = tempDir();
  const out = join(dir.path, "hook");
  await using daemon = Daemon.start(dir.path, `
[programs.app]
command = ["sh", "-c", "printf 'ab\\\\000cd\\\\n'; exec sleep 60"]
stdout_events_enabled = true
console = false
${recordingHook(out)}`);
  await waitFor(() => readLines(`${out}.env`).length > 0 || daemon.logLines(/hook failed/).length > 0, "the hook's record or its failure", 10_000);
  expect(daemon.logLines(/hook failed/)).toEqual([]);
  const [env] = readLines(`${out}.env`);
  expect(env).toBe("2 TSVISOR_EVENT_DATA");
  expect(JSON.parse(readFileSync(`${out}.jsonl`, "utf8")).data).toBe("ab\0cd\n");
}, 30_000);
