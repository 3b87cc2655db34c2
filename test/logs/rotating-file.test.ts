import { describe, expect, test } from "bun:test";
import { chownSync, existsSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reopenLogFiles } from "../../src/logs/open-logs.ts";
import { RotatingFile } from "../../src/logs/rotating-file.ts";
import { waitFor } from "../infra/wait-for.ts";

const dir = () => mkdtempSync(join(tmpdir(), "tsvisor-rotating-"));
const lines = (from: number, to: number) => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join(""));
const read = (path: string) => (existsSync(path) ? readFileSync(path, "latin1") : null);

describe("RotatingFile", () => {
  test("rotates before passing maxBytes, at a line boundary; backups shift and the oldest is dropped", () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 20, backups: 2 });
    for (let i = 1; i <= 8; i++) file.write(Buffer.from(`line ${i}\n`)); // 7 bytes each: 2 lines per file
    file.close();
    expect([read(`${path}.3`), read(`${path}.2`), read(`${path}.1`), read(path)]).toEqual([
      null, "line 3\nline 4\n", "line 5\nline 6\n", "line 7\nline 8\n",
    ]);
  });

  test("a backup removed by hand is filled in: the renames stop there and the older backups stay", () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 20, backups: 4 });
    for (let i = 1; i <= 10; i++) file.write(Buffer.from(`line ${i}\n`)); // 7 bytes each: 2 lines per file
    rmSync(`${path}.2`); // "line 5\nline 6\n"
    file.write(lines(11, 12));
    file.close();
    expect([read(`${path}.4`), read(`${path}.3`), read(`${path}.2`), read(`${path}.1`), read(path)]).toEqual([
      "line 1\nline 2\n", "line 3\nline 4\n", "line 7\nline 8\n", "line 9\nline 10\n", "line 11\nline 12\n",
    ]);
  });

  test("a rotation whose walk is refused (the log's directory swapped for another user's link) writes on in the file it has", async () => {
    // The file stays open until a new one is: closed first, it could not be opened again either, and
    // every line was dropped until the walk worked (red team, 2026-12-06: EMFILE on the walk).
    const base = dir();
    const logs = join(base, "logs");
    mkdirSync(logs);
    const events: string[] = [];
    const file = new RotatingFile({ path: join(logs, "web.out.log"), maxBytes: 20, backups: 2, onTrouble: (e) => events.push(e.type === "recovered" ? `recovered ${e.droppedLines}` : `${e.type}: ${e.reason}`) });
    file.write(lines(1, 2)); // 14 bytes
    renameSync(logs, join(base, "moved"));
    symlinkSync(join(base, "moved"), logs);
    lchownSync(logs, 65534, 65534);
    await Bun.sleep(1_100); // a directory walked is reused for a second (os/safe-open.ts): past that, the path is walked again
    file.write(lines(3, 4)); // past 20 bytes: the rotation's walk meets the link and refuses it
    file.close();
    expect([read(join(base, "moved", "web.out.log")), file.droppedLines, events]).toEqual([
      "line 1\nline 2\nline 3\nline 4\n", 0, [expect.stringMatching(/^warning: can't rotate, writing on past maxbytes and trying again every second: refusing .*symbolic link/)],
    ]);
  });

  test("the oldest backup, dropped at each rotation, is let go of: no descriptor stays open for it", async () => {
    // It is held open while the next backup is renamed over it and closed on another thread (so that
    // freeing its blocks never stalls the main thread): 200 rotations must leave no descriptor behind.
    const path = join(dir(), "web.out.log");
    const openFds = () => readdirSync("/proc/self/fd").length;
    const before = openFds();
    const file = new RotatingFile({ path, maxBytes: 20, backups: 2 });
    for (let i = 100; i <= 499; i++) file.write(Buffer.from(`line ${i}\n`)); // 9 bytes each: 2 lines per file
    file.close();
    await waitFor(() => openFds() <= before, "the dropped backups' descriptors closed", 4_000);
    expect([read(`${path}.3`), read(`${path}.2`), read(`${path}.1`), read(path)]).toEqual([
      null, "line 494\nline 495\n", "line 496\nline 497\n", "line 498\nline 499\n",
    ]);
  });

  test("a piece crossing several rotations is cut after its last line that fits, losing or repeating nothing", () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 1000, backups: 10 });
    const all = Buffer.concat([lines(1, 150), lines(151, 700)]);
    file.write(all.subarray(0, 1500));
    file.write(all.subarray(1500));
    file.close();
    const files = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((i) => read(`${path}.${i}`)).filter((t) => t !== null);
    const sizes = [...files, read(path)!].map((t) => t.length);
    expect([files.join("") + read(path), Math.max(...sizes) <= 1000, files.every((t) => t.endsWith("\n"))]).toEqual([all.toString("latin1"), true, true]);
  });

  test("a line longer than maxBytes is cut so that no file grows past maxBytes", () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 10, backups: 5 });
    file.write(Buffer.from("ab\n"));
    file.write(Buffer.from(`${"x".repeat(25)}\n`));
    file.close();
    const files = [5, 4, 3, 2, 1].map((i) => read(`${path}.${i}`)).concat(read(path)).filter((t) => t !== null);
    expect([files.join(""), files.map((t) => t.length)]).toEqual([`ab\n${"x".repeat(25)}\n`, [3, 10, 10, 6]]);
  });

  test("backups = 0 empties the file instead of rotating it, as supervisord does", () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 14, backups: 0 });
    for (let i = 1; i <= 5; i++) file.write(Buffer.from(`line ${i}\n`));
    file.close();
    expect([read(path), existsSync(`${path}.1`)]).toEqual(["line 5\n", false]);
  });

  test("maxBytes = 0 never rotates; an existing file is appended to", () => {
    const path = join(dir(), "web.out.log");
    writeFileSync(path, "before\n");
    const file = new RotatingFile({ path, maxBytes: 0, backups: 3 });
    file.write(lines(1, 1000));
    file.close();
    expect([read(path), existsSync(`${path}.1`)]).toEqual([`before\n${lines(1, 1000).toString()}`, false]);
  });

  test("a new file is created with mode 0640 and its directory with it", () => {
    const path = join(dir(), "nested", "deeper", "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 0, backups: 0 });
    file.close();
    expect((statSync(path).mode & 0o777).toString(8)).toBe((0o640 & ~process.umask()).toString(8));
  });

  test("reopenLogFiles() sends writing to a new file after an external mv", () => {
    const path = join(dir(), "web.out.log");
    const file = new RotatingFile({ path, maxBytes: 0, backups: 0 });
    file.write(Buffer.from("one\n"));
    renameSync(path, `${path}.old`);
    file.write(Buffer.from("two\n")); // still the moved file, as for any open file
    expect(reopenLogFiles()).toBeGreaterThanOrEqual(1);
    file.write(Buffer.from("three\n"));
    file.close();
    expect([read(`${path}.old`), read(path)]).toEqual(["one\ntwo\n", "three\n"]);
  });

  test("a path that cannot be opened drops and counts lines, reports once, and does not throw", () => {
    const blocker = join(dir(), "not-a-dir");
    writeFileSync(blocker, "");
    const events: string[] = [];
    const file = new RotatingFile({ path: join(blocker, "web.out.log"), maxBytes: 0, backups: 0, onTrouble: (e) => events.push(e.type === "recovered" ? `recovered ${e.droppedLines}` : `${e.type}: ${e.reason}`) });
    file.write(Buffer.from("a\nb\n"));
    file.write(Buffer.from("c\n"));
    file.close();
    expect([file.droppedLines, events]).toEqual([3, [expect.stringMatching(/^failing: can't open: (ENOTDIR|EEXIST)/)]]);
  });

  test("a link put in the file's place (by its user, who can write the directory) drops and counts lines; the link's target is untouched", () => {
    const d = dir();
    const app = join(d, "app");
    mkdirSync(app);
    chownSync(app, 65534, 65534);
    writeFileSync(join(d, "rootfile"), "secret\n", { mode: 0o600 });
    const path = join(app, "web.out.log");
    const events: string[] = [];
    const file = new RotatingFile({ path, maxBytes: 0, backups: 0, onTrouble: (e) => events.push(e.type === "recovered" ? `recovered ${e.droppedLines}` : `${e.type}: ${e.reason}`) });
    file.write(Buffer.from("before\n"));
    rmSync(path);
    symlinkSync(join(d, "rootfile"), path);
    lchownSync(path, 65534, 65534);
    file.reopen(); // what the once-a-second check does on finding its file gone
    file.write(lines(1, 3));
    file.close();
    expect([file.droppedLines, events, readFileSync(join(d, "rootfile"), "utf8"), statSync(join(d, "rootfile")).uid]).toEqual([
      3, [`failing: can't open: refusing ${path}: it is a symbolic link (to ${join(d, "rootfile")}) owned by uid 65534`], "secret\n", 0,
    ]);
  });

  test("rotation renames a planted backup link like any name, never writing through it", () => {
    const d = dir();
    const path = join(d, "web.out.log");
    writeFileSync(join(d, "rootfile"), "secret\n", { mode: 0o600 });
    symlinkSync(join(d, "rootfile"), `${path}.1`);
    const file = new RotatingFile({ path, maxBytes: 14, backups: 2 });
    for (let i = 1; i <= 3; i++) file.write(Buffer.from(`line ${i}\n`));
    file.close();
    expect([read(path), read(`${path}.1`), lstatSync(`${path}.2`).isSymbolicLink(), readFileSync(join(d, "rootfile"), "utf8")]).toEqual([
      "line 3\n", "line 1\nline 2\n", true, "secret\n",
    ]);
  });
});
