// Regression (red team, 2026-12-06): one failed rotation turned rotation off until `tsvisor logs
// --reopen`. With the log in a directory its program's user can write, that user put a directory at
// app.log.3 for half a second: tsvisor logged "can't rotate, writing on past maxbytes: EISDIR" and the
// log then grew without bound (6.9 GB in a minute with a flat-out writer). Rotation is now tried
// again once a second, said once per episode, and said again when it works.
import { expect, setDefaultTimeout, test } from "bun:test";
import { lstatSync, mkdirSync, readFileSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

setDefaultTimeout(60_000);

const MAX_BYTES = 10_000;

function sizeOf(path: string): number | null {
  try {
    return lstatSync(path).size;
  } catch {
    return null;
  }
}

// The "line N" lines of `paths`, oldest file first (a file not there adds none: its lines show as a
// gap), and each place the run breaks ("41 -> 43"): none when nothing was lost, repeated or reordered.
function numberedRun(paths: string[]): { lines: number; gaps: string[] } {
  const numbers = paths
    .flatMap((path) => (sizeOf(path) === null ? [] : readFileSync(path, "utf8").split("\n").filter((line) => line !== "")))
    .map((line) => Number(/^line (\d+)$/.exec(line)?.[1]));
  const gaps = numbers.flatMap((n, i) => (i > 0 && n !== numbers[i - 1]! + 1 ? [`${numbers[i - 1]} -> ${n}`] : []));
  return { lines: numbers.length, gaps };
}

// A daemon whose one program prints numbered lines ("line 1", "line 2", ...), about 15,000 a second:
// a rotation every second or so at MAX_BYTES, into `log` with `backups` backups.
function numberedLinesInto(dir: string, log: string, backups: number): Daemon {
  return Daemon.start(dir, `
[programs.app]
command = ["perl", "-e", "$| = 1; for (my $i = 1; ; $i++) { print \\"line $i\\\\n\\"; select(undef, undef, undef, 0.001) if $i % 20 == 0 }"]
stdout_logfile = ${JSON.stringify(log)}
stdout_logfile_maxbytes = ${MAX_BYTES}
stdout_logfile_backups = ${backups}
startsecs = 0
console = false
`);
}

test("after a rotation fails (a directory at a backup's name), the log rotates again once the name is free, with no line lost", async () => {
  using dir = tempDir();
  const log = join(dir.path, "logs", "app.log");
  await using daemon = numberedLinesInto(dir.path, log, 3);
  await waitFor(() => lstatSync(`${log}.3`, { throwIfNoEntry: false })?.isFile(), "three rotations");

  // The oldest backup's name taken by a directory: renaming .2 over it fails (EISDIR). It stays there
  // for 2.5 s, over two retries, then goes.
  await waitFor(() => {
    rmSync(`${log}.3`, { force: true });
    try {
      mkdirSync(`${log}.3`);
      return true;
    } catch {
      return false; // a rotation made .3 again between the two
    }
  }, "a directory at app.log.3");
  await daemon.waitForLog(/log: app stdout \S+app\.log: can't rotate, writing on past maxbytes.*: EISDIR/);
  await Bun.sleep(2_500);
  expect(await daemon.status("app")).toMatchObject({ state: "RUNNING" }); // the daemon answers meanwhile
  const grownTo = sizeOf(log)!;
  rmdirSync(`${log}.3`);

  // Rotation resumes by itself: the file written on past maxbytes becomes a backup and a new one starts.
  await waitFor(() => lstatSync(`${log}.3`, { throwIfNoEntry: false })?.isFile() && sizeOf(log)! <= MAX_BYTES, "a full set of backups again");
  await daemon.waitForLog(/log: app stdout \S+app\.log: rotating again/);
  // said once for the episode, not at each retry
  expect(daemon.logLines(/can't rotate/)).toEqual([expect.stringContaining("can't rotate, writing on past maxbytes and trying again every second: EISDIR")]);
  expect(daemon.logLines(/rotating again/)).toHaveLength(1);
  expect(grownTo).toBeGreaterThan(MAX_BYTES); // written on meanwhile, not dropped

  // The backups and the file hold one unbroken run of lines: nothing lost, repeated or reordered.
  expect(await daemon.ctl(["stop", "app"])).toMatchObject({ exitCode: 0 });
  const run = numberedRun([`${log}.3`, `${log}.2`, `${log}.1`, log]);
  expect({ gaps: run.gaps.slice(0, 5), lines: run.lines > 1000 }).toEqual({ gaps: [], lines: true });
});

// Regression (red team, 2026-12-06): rotation renames .4 -> .5 ... .1 -> .2 before the current file
// goes to .1. When only that last rename is refused (the file append-only, a mount point), each retry
// shifted the backups again and dropped one more: a fault of a few seconds emptied them all, with
// nothing counted. A retry now finds .1 free and only renames the current file.
test("a rotation refused at its last rename (the log append-only) and tried again drops no second backup", async () => {
  using dir = tempDir();
  const log = join(dir.path, "logs", "app.log");
  await using daemon = numberedLinesInto(dir.path, log, 5);
  await waitFor(() => lstatSync(`${log}.5`, { throwIfNoEntry: false })?.isFile(), "five rotations");
  // Append-only: tsvisor's appends go on, its rename of the file is refused (EPERM). 3.5 s: three retries.
  const chattr = (flag: string) => expect(Bun.spawnSync(["chattr", flag, log]).exitCode).toBe(0); // needs root and a file system with attributes (ext4, xfs, btrfs)
  chattr("+a");
  try {
    await daemon.waitForLog(/log: app stdout \S+app\.log: can't rotate, writing on past maxbytes.*: EPERM/);
    await Bun.sleep(3_500);
    // The rotation that failed shifted .1-.4 up and dropped the old .5, as it would have anyway; its
    // retries moved nothing (before: each dropped one more, the oldest, and left another name empty).
    expect([1, 2, 3, 4, 5].map((n) => sizeOf(`${log}.${n}`) !== null)).toEqual([false, true, true, true, true]);
  } finally {
    chattr("-a");
  }
  await waitFor(() => lstatSync(`${log}.5`, { throwIfNoEntry: false })?.isFile() && sizeOf(log)! <= MAX_BYTES && daemon.logLines(/rotating again/).length > 0, "rotation to work again");
  expect(await daemon.ctl(["stop", "app"])).toMatchObject({ exitCode: 0 });
  // .5 down to .1, then the file: one unbroken run of lines
  expect(numberedRun([5, 4, 3, 2, 1].map((n) => `${log}.${n}`).concat(log)).gaps).toEqual([]);
});

// Regression (red team, 2026-12-07): with `stdout_logfile_backups = 1` the second rotation renamed the
// file over the one backup with RENAME_NOREPLACE, which refused (EEXIST): "can't rotate" once a second
// from then on, and the log grew without bound (1.39 GB at maxbytes 100 MB). With one backup, the
// file's own rename is the one that drops the oldest.
test("with one backup, every rotation replaces it and the file stays within maxbytes", async () => {
  using dir = tempDir();
  const log = join(dir.path, "logs", "app.log");
  await using daemon = numberedLinesInto(dir.path, log, 1);
  const backups = new Set<number>();
  await waitFor(() => {
    const backup = lstatSync(`${log}.1`, { throwIfNoEntry: false });
    if (backup?.isFile()) backups.add(backup.ino);
    return backups.size >= 4;
  }, "four rotations into app.log.1, each a new file");
  expect(daemon.logLines(/can't rotate/)).toEqual([]);
  expect(await daemon.ctl(["stop", "app"])).toMatchObject({ exitCode: 0 });
  expect(sizeOf(log)!).toBeLessThanOrEqual(MAX_BYTES + 100); // a line may end past the mark
  expect(sizeOf(`${log}.1`)!).toBeLessThanOrEqual(MAX_BYTES + 100);
  expect(numberedRun([`${log}.1`, log]).gaps).toEqual([]);
});
