import { expect, test } from "bun:test";
import { chooseLogStyle, formatJournalLine } from "../../src/logs/journal-format.ts";

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
