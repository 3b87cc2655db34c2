import { expect, test } from "bun:test";
import { chooseLogStyle, forStderr, formatJournalLine } from "../../src/logs/journal-format.ts";

const STDERR = { dev: 2049, ino: 77 };

test.each([
  [{}, STDERR, "plain"],
  [{ INVOCATION_ID: "0123abcd" }, STDERR, "journal"],
  [{ INVOCATION_ID: "0123abcd", JOURNAL_STREAM: "2049:77" }, STDERR, "journal-prefixed"],
  // stderr was redirected away from the journal (StandardError=file:…): no "<N>" prefix in a file.
  [{ INVOCATION_ID: "0123abcd", JOURNAL_STREAM: "2049:78" }, STDERR, "journal"],
  [{ JOURNAL_STREAM: "2049:77" }, null, "journal"],
] as const)("%o, stderr %o -> %p", (env, stderr, style) => {
  expect(chooseLogStyle(env, stderr)).toBe(style);
});

test.each([
  ["info", undefined, "spawned: web (pid 42)", "<6>spawned: web (pid 42)\n"],
  ["warn", undefined, "exited: web (exit status 1; not expected)", "<4>exited: web (exit status 1; not expected)\n"],
  ["error", undefined, "gave up: web entered FATAL state", "<3>gave up: web entered FATAL state\n"],
  ["debug", "web", "web: STARTING -> RUNNING", "<7>[web] web: STARTING -> RUNNING\n"],
] as const)("%s: %p", (type, tag, text, line) => {
  expect(formatJournalLine({ type, tag: tag ?? "", args: [text] })).toBe(line);
});

// Regression: issue 15 item 15 — journald makes each line an entry: a line without "<N>" is logged at
// info, so a config error's diagnostics, caret and hint lost their priority.
test("every line of a multi-line message carries the priority", () => {
  expect(formatJournalLine({ type: "error", tag: "", args: ["reload rejected, nothing changed:\nt.toml:3:14: bad\n    3 | x\n      | ^"] })).toBe(
    "<3>reload rejected, nothing changed:\n<3>t.toml:3:14: bad\n<3>    3 | x\n<3>      | ^\n",
  );
});

test("a command's own error text gets error priority only when stderr is the journal stream", () => {
  const text = "tsvisor: the config does not load\nhint: fix it\n";
  const unprefixed = forStderr(text, {});
  expect(unprefixed).toBe(text);
  // the test's own stderr is no journal stream, so a JOURNAL_STREAM naming another file changes nothing
  expect(forStderr(text, { JOURNAL_STREAM: "1:2" })).toBe(text);
});
