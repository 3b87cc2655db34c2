import { expect, test } from "bun:test";
import { REPEAT_WINDOW_MS, RepeatedWarnings } from "../../src/events/repeated-warnings.ts";
import { VirtualTime } from "../fixtures/virtual-time.ts";

function warnings() {
  const time = new VirtualTime();
  const lines: string[] = [];
  return { time, lines, limiter: new RepeatedWarnings((line) => lines.push(line), { scheduler: time }) };
}

test("the first warning of a kind is logged at once, the rest of the minute only counted, then one line says how many", () => {
  const { time, lines, limiter } = warnings();
  for (let run = 1; run <= 240; run++) limiter.report("hook 0 app", `hook failed: run ${run}`);
  expect(lines).toEqual(["hook failed: run 1"]);
  time.advance(REPEAT_WINDOW_MS);
  expect(lines).toEqual(["hook failed: run 1", "hook failed: run 240 (239 times in the last 60 s, logged once)"]);
});

test("a kind that keeps failing writes one line a minute; one that goes quiet is forgotten and logged at once again", () => {
  const { time, lines, limiter } = warnings();
  limiter.report("k", "a");
  time.advance(REPEAT_WINDOW_MS - 1);
  limiter.report("k", "b");
  time.advance(1); // "b" counted in the first minute
  limiter.report("k", "c");
  time.advance(REPEAT_WINDOW_MS); // "c" in the second
  time.advance(REPEAT_WINDOW_MS); // a quiet minute: forgotten
  limiter.report("k", "d");
  expect(lines).toEqual(["a", "b (1 time in the last 60 s, logged once)", "c (1 time in the last 60 s, logged once)", "d"]);
});

test("kinds are counted apart: one program's flood does not hide another's first failure", () => {
  const { lines, limiter } = warnings();
  limiter.report("hook 0 app", "app 1");
  limiter.report("hook 0 app", "app 2");
  limiter.report("hook 0 db", "db 1");
  expect(lines).toEqual(["app 1", "db 1"]);
});

test("close() cancels every window: nothing is logged after it", () => {
  const { time, lines, limiter } = warnings();
  limiter.report("k", "a");
  limiter.report("k", "b");
  limiter.close();
  time.advance(REPEAT_WINDOW_MS);
  expect(lines).toEqual(["a"]);
});
