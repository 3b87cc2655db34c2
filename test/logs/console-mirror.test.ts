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
  await output.flush(5000);
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
