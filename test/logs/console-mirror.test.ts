import { expect, test } from "bun:test";
import { closeSync, readSync } from "node:fs";
import { ConsoleMirror, ConsoleOutput } from "../../src/logs/console-mirror.ts";
import { openPipe } from "../../src/os/pipe.ts";

// Everything that can be read from a non-blocking fd now.
function readAvailable(fd: number): Buffer {
  const parts: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 20);
  for (;;) {
    try {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      parts.push(Buffer.from(buffer.subarray(0, n)));
    } catch {
      break; // EAGAIN
    }
  }
  return Buffer.concat(parts);
}

test("a reader that falls behind makes the mirror drop whole lines and count them, never block; it writes again once read", async () => {
  const pipe = openPipe(); // the test reads the read end; the console writes the write end
  const output = new ConsoleOutput(pipe.write, { capBytes: 64 * 1024 });
  const events: string[] = [];
  const mirror = new ConsoleMirror("web", output, (e) => events.push(e.type));
  const line = (i: number) => `line ${i} ${"x".repeat(90)}\n`;
  // ~3 MB into a 1 MiB pipe + 64 KiB backlog, with no one reading: a write that blocked would never
  // return (the writes are synchronous), so getting past this loop is the proof (no clock involved)
  for (let i = 0; i < 30000; i++) mirror.write(Buffer.from(line(i)));
  let seen = readAvailable(pipe.read).toString(); // the reader catches up: the backlog goes out
  await output.flush({ stallMs: 5000, totalMs: 5000 });
  seen += readAvailable(pipe.read).toString();
  mirror.write(Buffer.from(line(30000))); // written again, and said so
  seen += readAvailable(pipe.read).toString();
  closeSync(pipe.read);
  const lines = seen.split("\n").slice(0, -1);
  const numbers = lines.map((l) => Number(/^web \| line (\d+) x{90}$/.exec(l)?.[1]));
  expect([
    lines.every((l) => /^web \| line \d+ x{90}$/.test(l)), // whole lines only
    numbers.every((n, i) => i === 0 || n > numbers[i - 1]!), // in order
    mirror.droppedLines > 0 && mirror.droppedLines === 30001 - lines.length,
    events,
  ]).toEqual([true, true, true, ["failing", "recovered"]]);
});

test("mirrors keep long lines until they end, within a room the output's mirrors share; a line past it is cut into prefixed lines with no empty one", () => {
  const pipe = openPipe();
  const output = new ConsoleOutput(pipe.write, { holdBytes: 1000 });
  const [a, b] = [new ConsoleMirror("a", output), new ConsoleMirror("b", output)];
  a.write(Buffer.from("x".repeat(600))); // kept: 604 of 1,000
  b.write(Buffer.from(`done\n${"y".repeat(600)}`)); // "done" out now; no room for the rest: out, cut
  b.write(Buffer.from("y".repeat(10))); // the cut line's rest: a console line of its own, kept
  b.write(Buffer.from("\nnext\n")); // ends it
  a.write(Buffer.from(`${"z".repeat(2)}\nmore`)); // a's line whole; "more" kept
  b.write(Buffer.from("w".repeat(980))); // 984 + a's 8 kept: room again, since a's 604 went out
  b.write(Buffer.from("\n"));
  b.write(Buffer.from("v".repeat(995))); // no room: out, cut
  b.write(Buffer.from("\n")); // the newline that ends a cut line makes no empty one
  a.end(); // the pipe's end ends a's unfinished line
  b.end(); // nothing kept: nothing written
  const seen = readAvailable(pipe.read).toString().split("\n");
  closeSync(pipe.read);
  expect(seen.map((l) => l.replace(/(.)\1{9,}/g, (run, c) => `${c}*${run.length}`))).toEqual([
    "b | done", "b | y*600", "b | y*10", "b | next", "a | x*600zz", "b | w*980", "b | v*995", "a | more", "",
  ]);
  expect([a.droppedLines, b.droppedLines]).toEqual([0, 0]);
});

test("flush gives up on a reader that takes nothing for stallMs, or is still behind after totalMs, and says what it never got", async () => {
  const line = (i: number) => `line ${i} ${"x".repeat(90)}\n`; // 100 bytes
  const fill = (output: ConsoleOutput) => {
    for (let i = 0; i < 20000; i++) output.write(line(i)); // 2 MB into a 1 MiB pipe: about half waits
  };
  // Nobody reads until flush has given up.
  const stalled = openPipe();
  const first = new ConsoleOutput(stalled.write);
  fill(first);
  const stallLoss = await first.flush({ stallMs: 100, totalMs: 10_000 });
  first.write(line(20000)); // given up on: written nowhere, so it cannot continue the cut line
  const got = readAvailable(stalled.read).toString();
  // A reader taking 16 KiB every 10 ms: never stalled, still behind when the total is up.
  const slow = openPipe();
  const second = new ConsoleOutput(slow.write);
  fill(second);
  const chunk = Buffer.alloc(16 * 1024);
  const reading = setInterval(() => readSync(slow.read, chunk, 0, chunk.length, null), 10);
  const slowLoss = await second.flush({ stallMs: 10_000, totalMs: 200 });
  clearInterval(reading);
  for (const fd of [stalled.read, stalled.write, slow.read, slow.write]) closeSync(fd);
  const whole = got.split("\n");
  const cutLast = whole.pop() !== "";
  expect({
    stall: { reason: stallLoss?.reason, accounted: whole.length + (stallLoss?.lines ?? 0), cutLine: stallLoss?.cutLine },
    slow: slowLoss?.reason,
  }).toEqual({
    stall: { reason: "took nothing for 0.1 s", accounted: 20000, cutLine: cutLast },
    slow: "was still behind after 0.2 s",
  });
});

// Red team, 2026-12-06: the write that met a reader already gone (EPIPE) was taken as written, so a
// program whose every line went nowhere showed 0 dropped lines and nothing was said.
test("lines written to a reader already gone are counted as dropped from the first write, and it is said gone", () => {
  const pipe = openPipe();
  closeSync(pipe.read);
  const events: string[] = [];
  const mirror = new ConsoleMirror("web", new ConsoleOutput(pipe.write), (e) => events.push(e.type));
  mirror.write(Buffer.from("one\ntwo\n"));
  mirror.write(Buffer.from("three\n"));
  closeSync(pipe.write);
  expect({ dropped: mirror.droppedLines, events }).toEqual({ dropped: 3, events: ["warning"] });
});

// npm test, 2026-12-07: a reader that went away while lines waited for it, before any flush() began,
// took them with it, and the flush at tsvisor's exit found the output broken and said nothing.
test("lines waiting for a reader that goes away before the flush are said by the flush, once", async () => {
  const pipe = openPipe();
  const output = new ConsoleOutput(pipe.write);
  const line = `${"x".repeat(99)}\n`;
  for (let i = 0; i < 12000; i++) output.write(Buffer.from(line)); // 1.2 MB: the 1 MiB pipe fills, the rest waits
  const waiting = output.waitingLines;
  closeSync(pipe.read); // the reader goes: the wait for the pipe to take more ends with EPIPE
  const deadline = Date.now() + 10_000;
  while (!output.isBroken && Date.now() < deadline) await Bun.sleep(1);
  const loss = await output.flush({ stallMs: 1000, totalMs: 5000 });
  const again = await output.flush({ stallMs: 1000, totalMs: 5000 });
  closeSync(pipe.write);
  expect({ broken: output.isBroken, lines: loss?.lines, reason: loss?.reason.startsWith("went away"), again }).toEqual({ broken: true, lines: waiting, reason: true, again: null });
});

// Red team, 2026-12-06: with a reader that took nothing, a line short enough to fit under the backlog's
// cap after a longer one was refused was taken, and "writing again" was said, then "too far behind".
test("once the backlog refuses lines, it refuses every program line until the reader has taken half of it", async () => {
  const pipe = openPipe();
  const output = new ConsoleOutput(pipe.write, { capBytes: 64 * 1024 });
  const events: string[] = [];
  const mirror = new ConsoleMirror("web", output, (e) => events.push(e.type));
  const long = Buffer.from(`${"x".repeat(999)}\n`);
  while (mirror.droppedLines === 0) mirror.write(long); // the pipe fills, then the backlog
  mirror.write(Buffer.from("short\n")); // would fit under the cap: still refused, nothing taken
  const refusedWhileStalled = mirror.droppedLines;
  readAvailable(pipe.read); // the reader takes everything
  await output.flush({ stallMs: 5000, totalMs: 5000 });
  mirror.write(Buffer.from("after\n"));
  closeSync(pipe.read);
  closeSync(pipe.write);
  expect({ refusedWhileStalled, events }).toEqual({ refusedWhileStalled: 2, events: ["failing", "recovered"] });
});
