// The safe walk (os/safe-open.ts): which links are followed, which are refused and in what words,
// and what openAppend/openRead accept. Runs as root (links and directories owned by nobody are made
// with lchown/chown), as tsvisor does.
import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, closeSync, constants, lchownSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";
import { find, openAppend, openParent, openRead, UnsafePathError } from "../../src/os/safe-open.ts";
import { setSocketAccess } from "../../src/os/unix-socket-file.ts";

const NOBODY = 65534;
// A root-only directory (mkdtemp makes it 0700).
const rootDir = () => mkdtempSync(join(tmpdir(), "tsvisor-safe-"));

// What find() says of a path, as data: the kind, or the refusal's message.
function findKind(path: string): string {
  try {
    const found = find(path);
    found.dir.close();
    return found.kind === "stream" ? `stream ${JSON.stringify(found.what)}` : found.kind;
  } catch (error) {
    return error instanceof UnsafePathError ? error.message : `${(error as NodeJS.ErrnoException).code}`;
  }
}

// Append "x\n" to `path` through openParent + openAppend; the file's content after it, or the refusal.
function append(path: string, owner: { uid: number; gid: number } | null = null): string {
  try {
    const { dir, name } = openParent(path, { create: true });
    try {
      const fd = openAppend(dir, name, { mode: 0o640, owner });
      writeSync(fd, "x\n");
      closeSync(fd);
    } finally {
      dir.close();
    }
    return readFileSync(path, "utf8");
  } catch (error) {
    return (error as Error).message;
  }
}

test("these tests run as root: they make links owned by nobody", () => {
  expect(process.getuid?.()).toBe(0);
});

describe("links on the way", () => {
  test("a link root made in a root-only directory is followed, as a directory and relative with ..", () => {
    const d = rootDir();
    mkdirSync(join(d, "real"));
    symlinkSync(join(d, "real"), join(d, "absolute"));
    mkdirSync(join(d, "sub"));
    symlinkSync("../real", join(d, "sub", "relative"));
    expect([append(join(d, "absolute", "a.log")), append(join(d, "sub", "relative", "a.log")), readFileSync(join(d, "real", "a.log"), "utf8")]).toEqual(["x\n", "x\nx\n", "x\nx\n"]);
  });

  test.each([
    ["owned by nobody", (link: string) => lchownSync(link, NOBODY, NOBODY), "owned by uid 65534"],
    ["owned by root, in a directory everyone can write", (_: string, parent: string) => chmodSync(parent, 0o777), "in a directory everyone can write"],
    ["owned by root, in a directory group 65534 can write", (_: string, parent: string) => (chownSync(parent, 0, NOBODY), chmodSync(parent, 0o770)), "in a directory group 65534 can write"],
    ["owned by root, in nobody's directory", (_: string, parent: string) => chownSync(parent, NOBODY, NOBODY), "in a directory owned by uid 65534"],
  ])("a link %s is refused, and nothing is created through it", (_, plant, why) => {
    const d = rootDir();
    mkdirSync(join(d, "target"), { mode: 0o700 });
    mkdirSync(join(d, "parent"));
    const link = join(d, "parent", "logs");
    symlinkSync(join(d, "target"), link);
    plant(link, join(d, "parent"));
    expect([append(join(link, "a.log")), spawnSync(["ls", "-A", join(d, "target")]).stdout.toString()]).toEqual([
      `refusing ${link}: it is a symbolic link (to ${join(d, "target")}) ${why}`, "",
    ]);
  });

  test("a link as the log's own name is refused by name, even a root one to a regular file", () => {
    const d = rootDir();
    writeFileSync(join(d, "rootfile"), "secret\n", { mode: 0o600 });
    symlinkSync(join(d, "rootfile"), join(d, "trusted.log"));
    mkdirSync(join(d, "app"));
    chownSync(join(d, "app"), NOBODY, NOBODY);
    symlinkSync(join(d, "rootfile"), join(d, "app", "out.log"));
    lchownSync(join(d, "app", "out.log"), NOBODY, NOBODY);
    expect([findKind(join(d, "trusted.log")), append(join(d, "app", "out.log")), readFileSync(join(d, "rootfile"), "utf8")]).toEqual([
      `refusing ${join(d, "trusted.log")}: it is a link to the regular file ${join(d, "rootfile")}: a log is rotated by renaming it, so name the file itself`,
      `refusing ${join(d, "app", "out.log")}: it is a symbolic link (to ${join(d, "rootfile")}) owned by uid 65534`,
      "secret\n",
    ]);
  });

  test("a loop of links ends in ELOOP, not in a hang", () => {
    const d = rootDir();
    symlinkSync(join(d, "b"), join(d, "a"));
    symlinkSync(join(d, "a"), join(d, "b"));
    expect(findKind(join(d, "a", "x.log"))).toBe("ELOOP");
  });

  test("a path with a NUL byte is refused before any call", () => {
    expect(findKind("/tmp/a\0b/x.log")).toStartWith('refusing "/tmp/a\\u0000b": it contains a NUL byte');
  });
});

describe("what a log path is", () => {
  test("/dev/stdout is this process's fd 1, and /dev/null a character device: streams, written as is", () => {
    expect([findKind("/dev/stdout"), findKind("/dev/null")]).toEqual([
      `stream ${JSON.stringify({ type: "fd", fd: 1, pid: process.pid })}`, `stream ${JSON.stringify({ type: "char-device" })}`,
    ]);
  });

  test("a named pipe is a stream; a missing file and a regular one are what they are; a directory is refused", () => {
    const d = rootDir();
    spawnSync(["mkfifo", join(d, "pipe")]);
    writeFileSync(join(d, "file"), "");
    mkdirSync(join(d, "dir"));
    expect([findKind(join(d, "pipe")), findKind(join(d, "missing")), findKind(join(d, "file")), findKind(join(d, "dir"))]).toEqual([
      `stream ${JSON.stringify({ type: "fifo" })}`, "missing", "file",
      `refusing ${join(d, "dir")}: it is a directory, not a log file, a pipe or a device`,
    ]);
  });
});

describe("openAppend and openRead", () => {
  test("a file created is given to the owner through its fd; an existing one keeps its owner", () => {
    const d = rootDir();
    writeFileSync(join(d, "existing.log"), "");
    append(join(d, "new.log"), { uid: NOBODY, gid: NOBODY });
    append(join(d, "existing.log"), { uid: NOBODY, gid: NOBODY });
    expect([statSync(join(d, "new.log")).uid, statSync(join(d, "existing.log")).uid]).toEqual([NOBODY, 0]);
  });

  test("an existing file is written only when root, tsvisor's user or the expected owner owns it", () => {
    const d = rootDir();
    for (const [file, uid] of [["root.log", 0], ["nobodys.log", NOBODY], ["other.log", 1234]] as const) {
      writeFileSync(join(d, file), "");
      chownSync(join(d, file), uid, uid);
    }
    expect({
      rootsFile: append(join(d, "root.log")),
      plantedForRoot: append(join(d, "nobodys.log")),
      programsOwn: append(join(d, "nobodys.log"), { uid: NOBODY, gid: NOBODY }),
      anotherUsers: append(join(d, "other.log"), { uid: NOBODY, gid: NOBODY }),
    }).toEqual({
      rootsFile: "x\n",
      plantedForRoot: `refusing ${d}/nobodys.log: it is owned by uid ${NOBODY}, not by root: someone else put it there, and it is not given what tsvisor writes`,
      programsOwn: "x\n",
      anotherUsers: `refusing ${d}/other.log: it is owned by uid 1234, not by root or uid ${NOBODY}: someone else put it there, and it is not given what tsvisor writes`,
    });
  });

  test("a file with a second name (a hard link to someone's file) is refused for writing and for reading", () => {
    const d = rootDir();
    writeFileSync(join(d, "rootfile"), "secret\n", { mode: 0o600 });
    linkSync(join(d, "rootfile"), join(d, "out.log"));
    const { dir, name } = openParent(join(d, "out.log"));
    const read = (() => {
      try {
        return String(openRead(dir, name));
      } catch (error) {
        return (error as Error).message;
      } finally {
        dir.close();
      }
    })();
    const refused = `refusing ${join(d, "out.log")}: it has 2 names (hard links): one of them may be another user's link to a file of root's`;
    expect([append(join(d, "out.log")), read, readFileSync(join(d, "rootfile"), "utf8")]).toEqual([refused, refused, "secret\n"]);
  });

  test("a named pipe in a log's place is refused, with or without a reader, and never waited on", () => {
    const d = rootDir();
    const pipe = join(d, "out.log");
    spawnSync(["mkfifo", pipe]);
    const without = append(pipe);
    const reader = openSync(pipe, constants.O_RDONLY | constants.O_NONBLOCK);
    const withReader = append(pipe);
    closeSync(reader);
    const refused = `refusing ${pipe}: it is a named pipe (FIFO) owned by uid ${process.getuid!()}, not a regular file`;
    expect([without, withReader]).toEqual([refused, refused]);
  });
});

describe("setSocketAccess", () => {
  test("gives a socket its mode and owner through its fd; anything else in its place is refused and left alone", () => {
    const d = rootDir();
    const path = join(d, "s.sock");
    const umask = process.umask(0o177);
    const server = Bun.listen({ unix: path, socket: { data() {} } });
    process.umask(umask);
    setSocketAccess(path, 0o660, { uid: 0, gid: NOBODY });
    const stat = statSync(path);
    server.stop(true);
    writeFileSync(join(d, "rootfile"), "", { mode: 0o600 });
    symlinkSync(join(d, "rootfile"), path);
    let refusal = "";
    try {
      setSocketAccess(path, 0o666, { uid: NOBODY, gid: NOBODY });
    } catch (error) {
      refusal = (error as Error).message;
    }
    const rootfile = statSync(join(d, "rootfile"));
    expect([(stat.mode & 0o777).toString(8), stat.gid, refusal, rootfile.uid, (rootfile.mode & 0o777).toString(8)]).toEqual([
      "660", NOBODY, `refusing ${path}: it is a symbolic link now, not the socket tsvisor bound`, 0, "600",
    ]);
  });
});

test("renameNoReplace renames to a free name, and refuses (EEXIST) to replace anything, leaving both as they were", () => {
  const base = rootDir();
  writeFileSync(join(base, "a"), "a");
  writeFileSync(join(base, "planted"), "planted");
  const { dir } = openParent(join(base, "x"), { create: false });
  try {
    dir.renameNoReplace("a", "b");
    let refused: unknown = null;
    try {
      dir.renameNoReplace("b", "planted");
    } catch (error) {
      refused = error;
    }
    expect((refused as NodeJS.ErrnoException | null)?.code).toBe("EEXIST");
    expect([readFileSync(join(base, "b"), "utf8"), readFileSync(join(base, "planted"), "utf8")]).toEqual(["a", "planted"]);
  } finally {
    dir.close();
  }
});

test("an fd from openAppend is close-on-exec, so no program inherits a log file", () => {
  const d = rootDir();
  const { dir, name } = openParent(join(d, "a.log"), { create: true });
  const fd = openAppend(dir, name, { mode: 0o640 });
  dir.close();
  const flags = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/flags:\s+(\d+)/)![1]!;
  closeSync(fd);
  expect((parseInt(flags, 8) & 0o2000000) !== 0).toBe(true);
});

// Walks of one directory within a second share the first (start-up opens two logs a program there).
// What is shared is the directory the first walk reached: a link put in its place meanwhile redirects
// nothing, and after the second a new walk sees the link (and refuses it). No fd is kept past that.
test("a directory walked within the last second is reused as reached, never through a link put in its place, and let go after", async () => {
  const root = rootDir();
  const logs = join(root, "logs");
  mkdirSync(logs);
  const elsewhere = join(root, "elsewhere");
  mkdirSync(elsewhere);
  chownSync(root, NOBODY, NOBODY); // a directory another user can change: it swaps logs for a link
  const moved = join(root, "moved");
  const heldFds = () => spawnSync(["ls", "-l", `/proc/${process.pid}/fd`]).stdout.toString().split("\n").filter((l) => l.endsWith(` ${logs}`) || l.endsWith(` ${moved}`)).length;
  // openParent + openAppend as a log does; what happened, without reading the file back by its path
  const write = (path: string) => {
    try {
      const { dir, name } = openParent(path, { create: true });
      try {
        closeSync(openAppend(dir, name, { mode: 0o640 }));
        return "written";
      } finally {
        dir.close();
      }
    } catch (error) {
      return (error as Error).message;
    }
  };
  const first = write(join(logs, "a.log"));
  spawnSync(["mv", logs, moved]);
  symlinkSync(elsewhere, logs);
  lchownSync(logs, NOBODY, NOBODY);
  const within = write(join(logs, "b.log"));
  const wentTo = [moved, elsewhere].filter((d) => statSync(join(d, "b.log"), { throwIfNoEntry: false }) !== undefined);
  const deadline = Date.now() + 5_000;
  while (heldFds() > 0 && Date.now() < deadline) await Bun.sleep(50); // the reuse window ends (a second)
  expect({ first, within, wentTo, fdsLeft: heldFds(), after: write(join(logs, "c.log")) }).toEqual({
    first: "written", within: "written", wentTo: [moved], fdsLeft: 0,
    after: `refusing ${logs}: it is a symbolic link (to ${elsewhere}) owned by uid ${NOBODY}`,
  });
});
