import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RotatingFile } from "../../src/logs/rotating-file.ts";
import { follow, lastLines, openCursor } from "../../src/logs/tail.ts";

const dir = () => mkdtempSync(join(tmpdir(), "tsvisor-tail-"));
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join("");

describe("lastLines", () => {
  // 100 lines of 8-9 bytes in files of at most 100 bytes: about 12 rotations, 3 backups kept.
  function rotatedLog() {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 100, backups: 3 });
    for (let i = 1; i <= 100; i++) file.write(Buffer.from(`line ${i}\n`));
    file.close();
    return path;
  }

  test.each([[5], [20], [0]])("the last %p lines, across rotation boundaries", (n) => {
    const path = rotatedLog();
    expect(lastLines(openCursor(path), 3, n).toString()).toBe(n === 0 ? "" : numbered(101 - n, 100));
  });

  test("asking for more lines than the files hold gives all of them, oldest backup first", () => {
    const path = rotatedLog();
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path].map((f) => readFileSync(f, "utf8"));
    expect(lastLines(openCursor(path), 3, 1000).toString()).toBe(files.join(""));
  });

  test("never more than maxBytes back, across files: a line that starts further back is cut to its last bytes", () => {
    const path = rotatedLog();
    const all = [`${path}.3`, `${path}.2`, `${path}.1`, path].map((f) => readFileSync(f, "utf8")).join("");
    expect(lastLines(openCursor(path), 3, 1000, 150).toString()).toBe(all.slice(-150));
    const single = join(dir(), "x.log");
    writeFileSync(single, `${"z".repeat(1000)}\nlast\n`);
    expect(lastLines(openCursor(single), 0, 2, 100).toString()).toBe(`${"z".repeat(94)}\nlast\n`);
  });

  test("a file that is only a newline is one empty line", () => {
    const path = join(dir(), "x.log");
    writeFileSync(path, "\n");
    expect(lastLines(openCursor(path), 0, 5).toString()).toBe("\n");
  });

  test("a last line without a newline counts as a line and stays as written", () => {
    const path = join(dir(), "x.log");
    writeFileSync(path, "a\nb\nc");
    expect(lastLines(openCursor(path), 0, 2).toString()).toBe("b\nc");
  });

  test("lines longer than the read block are found whole", () => {
    const path = join(dir(), "x.log");
    const long = `${"y".repeat(200_000)}\n`;
    writeFileSync(path, `first\n${long}${long}`);
    expect(lastLines(openCursor(path), 0, 2).toString()).toBe(long + long);
  });
});

describe("follow", () => {
  test("several rotations between two looks: the files in between are printed whole, in order", async () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 20, backups: 10 });
    file.write(Buffer.from("line 0\n"));
    const cursor = openCursor(path);
    for (let i = 1; i <= 9; i++) file.write(Buffer.from(`line ${i}\n`)); // 2 lines per file: 4 rotations at once
    const out: Buffer[] = [];
    const stop = new AbortController();
    const following = follow(cursor, (data) => {
      out.push(data);
      if (Buffer.concat(out).toString().endsWith("line 9\n")) stop.abort();
    }, stop.signal);
    await following;
    file.close();
    expect(Buffer.concat(out).toString()).toBe(numbered(1, 9));
  });

  test("prints every new line once and in order across rotations, a mv and a truncation", async () => {
    const path = join(dir(), "web.out.log");
    writeFileSync(path, "old\n");
    const cursor = openCursor(path);
    const out: Buffer[] = [];
    const stop = new AbortController();
    const following = follow(cursor, (data) => out.push(data), stop.signal);
    const file = new RotatingFile({ path, maxBytes: 60, backups: 1 });
    const seen = () => Buffer.concat(out).toString();
    const until = async (text: string) => {
      const deadline = Date.now() + 5000;
      while (!seen().endsWith(text)) {
        if (Date.now() > deadline) throw new Error(`follow never printed ${JSON.stringify(text)}; got ${JSON.stringify(seen())}`);
        await Bun.sleep(10);
      }
    };
    for (let i = 1; i <= 30; i++) {
      file.write(Buffer.from(`line ${i}\n`));
      if (i % 5 === 0) await until(`line ${i}\n`); // a rotation every ~8 lines, at most one between two polls
    }
    renameSync(path, `${path}.moved`); // logrotate's way: mv, then reopen
    file.write(Buffer.from("after mv, before reopen\n"));
    file.reopen();
    file.write(Buffer.from("after reopen\n"));
    await until("after reopen\n");
    truncateSync(path, 0); // copytruncate's way: seen as the file getting shorter than what was read
    appendFileSync(path, "cut\n");
    await until("cut\n");
    stop.abort();
    await following;
    file.close();
    expect(seen()).toBe(`${numbered(1, 30)}after mv, before reopen\nafter reopen\ncut\n`);
  });
});
