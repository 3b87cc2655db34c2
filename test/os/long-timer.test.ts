// Regression: issue 15 item 3 — a delay past 2^31-1 ms fired after 1 ms (setTimeout's clamp), so
// `stopwaitsecs = "600h"` SIGKILLed at once and a 600h health interval probed 80 times a second.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MAX_TIMER_MS, abortSignalAfter, setLongInterval, setLongTimeout } from "../../src/os/long-timer.ts";
import { VirtualTime } from "../fixtures/virtual-time.ts";

const HOUR = 3_600_000;

describe("setLongTimeout", () => {
  test("a delay setTimeout keeps is one timer", () => {
    const time = new VirtualTime();
    let fired = 0;
    setLongTimeout(() => fired++, 1500, time);
    time.advance(1499);
    expect(fired).toBe(0);
    time.advance(1);
    expect([fired, time.delays]).toEqual([1, [1500]]);
  });

  test.each([597, 600, 10_000])("%ph fires at that time, not one ms earlier, in steps setTimeout keeps", (hours) => {
    const time = new VirtualTime();
    const start = time.now();
    const firedAt: number[] = [];
    setLongTimeout(() => firedAt.push(time.now()), hours * HOUR, time);
    time.advance(hours * HOUR - 1);
    expect(firedAt).toEqual([]);
    time.advance(1);
    expect(firedAt).toEqual([start + hours * HOUR]);
    expect(Math.max(...time.delays)).toBe(MAX_TIMER_MS);
    expect(time.delays.reduce((a, b) => a + b, 0)).toBe(hours * HOUR);
  });

  test("cancel() in the middle of a chain stops it", () => {
    const time = new VirtualTime();
    let fired = 0;
    const timer = setLongTimeout(() => fired++, 600 * HOUR, time);
    time.advance(598 * HOUR); // past the first step (596.5h), before the end
    timer.cancel();
    time.advance(600 * HOUR);
    expect([fired, time.armed]).toEqual([0, 0]);
  });

  test("Infinity never fires", () => {
    const time = new VirtualTime();
    let fired = 0;
    setLongTimeout(() => fired++, Infinity, time);
    time.advance(1000 * MAX_TIMER_MS);
    expect([fired, time.armed]).toEqual([0, 1]);
  });

  test("a negative or NaN delay is refused, never taken as 'at once'", () => {
    expect(() => setLongTimeout(() => {}, -1)).toThrow("a timer delay must be a number of ms >= 0; got -1");
    expect(() => setLongTimeout(() => {}, Number.NaN)).toThrow("got NaN");
  });

  test("on the real runtime, 2^31 ms does not fire while a 20 ms timer does", async () => {
    let longFired = false;
    const long = setLongTimeout(() => (longFired = true), MAX_TIMER_MS + 1);
    await new Promise<void>((done) => setLongTimeout(done, 20));
    await new Promise<void>((done) => setLongTimeout(done, 20)); // a second turn: a clamped 1 ms timer has long fired
    long.cancel();
    expect(longFired).toBe(false);
  });
});

describe("setLongInterval", () => {
  test("a 600h interval fires every 600h", () => {
    const time = new VirtualTime();
    const start = time.now();
    const firedAt: number[] = [];
    setLongInterval(() => firedAt.push(time.now() - start), 600 * HOUR, time);
    time.advance(1800 * HOUR);
    expect(firedAt).toEqual([600 * HOUR, 1200 * HOUR, 1800 * HOUR]);
  });

  test("a cancel from inside the call arms no next period", () => {
    const time = new VirtualTime();
    let fired = 0;
    const timer = setLongInterval(() => {
      fired++;
      timer.cancel();
    }, 1000, time);
    time.advance(10_000);
    expect([fired, time.armed]).toEqual([1, 0]);
  });

  test("an interval of 0 is refused", () => {
    expect(() => setLongInterval(() => {}, 0)).toThrow("an interval of 0 ms");
  });
});

test("abortSignalAfter takes any delay: 2^53 ms and more is never, not an exception", async () => {
  const signals = [2 ** 31 + 5, 2 ** 53, 1e16].map(abortSignalAfter);
  await new Promise<void>((done) => setLongTimeout(done, 30));
  expect(signals.map((s) => s.aborted)).toEqual([false, false, false]);
  const soon = abortSignalAfter(5);
  await new Promise((done) => soon.addEventListener("abort", done));
  expect(soon.reason.name).toBe("TimeoutError");
});

// Every timer whose delay a config names goes through long-timer.ts; a bare setTimeout there would
// bring the clamp back. Fixed delays (constants) elsewhere may use setTimeout.
test("the supervisor, health checks and hooks arm no timer but through os/long-timer.ts", () => {
  const src = resolve(import.meta.dir, "../../src");
  const files = [
    ...[...new Bun.Glob("supervisor/*.ts").scanSync(src)],
    ...[...new Bun.Glob("health/*.ts").scanSync(src)],
    "events/hooks.ts",
  ];
  const offenders = files.filter((f) => /\bset(Timeout|Interval)\(|AbortSignal\.timeout\(/.test(readFileSync(join(src, f), "utf8")));
  expect(offenders).toEqual([]);
});
