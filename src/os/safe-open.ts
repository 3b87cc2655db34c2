// Paths that tsvisor opens, creates, renames or removes as root, resolved so that no other user can
// redirect them (docs/security.md, "Files tsvisor writes or reads as root"; STYLE.md A15):
// - a path is walked from "/" one directory fd at a time (openat with O_PATH|O_NOFOLLOW), never handed
//   whole to the kernel;
// - a symbolic link on the way is followed only when it is trusted: owned by root (or by tsvisor's own
//   user) in a directory that no one else can write. /dev/stdout -> /proc/self/fd/1 and /var/run -> /run
//   are; a link planted in /tmp or in a program's own directory is not, and is refused by name;
// - the last component is opened with O_NOFOLLOW relative to its directory's fd, then checked through
//   its own fd (fstat); whatever is changed is changed through that fd.
// Work inside a directory (rotation's renames, a stale socket's unlink) goes through the directory's
// fd too, so a directory replaced by a link after the walk cannot redirect it.
import { closeSync, constants, fchownSync, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { resolve } from "node:path";
import { getSystemErrorMessage, getSystemErrorName } from "node:util";
import { TsvisorError } from "../errors.ts";
import { AT_FDCWD, ERRNO, O_CLOEXEC, O_PATH, RENAME_NOREPLACE, SYS_RENAMEAT2, errno, libc } from "./libc.ts";

const { O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;
// The kernel's own limit on links in one lookup (ELOOP beyond it).
const MAX_LINKS = 40;
const LINK_BYTES = 4096;
const { ELOOP, ENOTDIR } = ERRNO;
const HINT = "tsvisor follows a link only when root (or tsvisor's own user) owns it and no one else can write its directory; name the real path in the config, or remove the link";
// For a file that is not a link but not what it must be either (a pipe, a device, a second name): the
// link hint above said nothing useful about those (red team).
export const REGULAR_FILE_HINT = "a log, its backups and a file tsvisor reads must be regular files with one name: remove what is there (a log file tsvisor then makes itself)";

/** A path that tsvisor refuses to follow, open or change: a planted link, or not what it must be. */
export class UnsafePathError extends TsvisorError {
  constructor(readonly path: string, why: string, hint: string = HINT) {
    super("UNSAFE_PATH", `refusing ${path}: it ${why}`, hint);
  }
}

/** A directory reached by a safe walk, held by an O_PATH fd: every *at() call below is relative to it. */
export class SafeDir implements Disposable {
  constructor(readonly fd: number, readonly path: string) {}

  /** The path of an entry, for messages. */
  pathOf(name: string): string {
    return this.path === "/" ? `/${name}` : `${this.path}/${name}`;
  }

  /** Open `name` without following a link there (and close-on-exec, never as a controlling terminal). */
  open(name: string, flags: number, mode = 0): number {
    const fd = this.tryOpen(name, flags, mode);
    if (typeof fd === "number") return fd;
    throw fd.code === "ELOOP" ? this.refusal(name) ?? fd : fd;
  }

  /** As open(), with the errno error returned instead of thrown (for the cases a caller handles). */
  tryOpen(name: string, flags: number, mode = 0): number | NodeJS.ErrnoException {
    const fd = libc().openat(this.fd, cString(name, this.pathOf(name)), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
    return fd >= 0 ? fd : errnoError("open", this.pathOf(name));
  }

  /** What stands at `name` (the link itself when it is one); null when nothing does. */
  lstat(name: string): Stats | null {
    // errno read directly: a missing file (every new log) is the common answer, and an Error is costly
    const fd = libc().openat(this.fd, cString(name, this.pathOf(name)), O_PATH | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0);
    if (fd < 0) {
      const code = errno();
      if (code === ERRNO.ENOENT) return null;
      throw errnoError("open", this.pathOf(name), code);
    }
    try {
      return fstatSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A descriptor that keeps what stands at `name` (a file, or a link itself) from being freed when
   * its name goes, or null when nothing is there. O_PATH: opening it neither reads nor blocks (a
   * named pipe), and needs no permission on the file.
   */
  hold(name: string): number | null {
    const fd = libc().openat(this.fd, cString(name, this.pathOf(name)), O_PATH | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0);
    return fd >= 0 ? fd : null;
  }

  /** The target of the link `name`. */
  readlink(name: string): string {
    const fd = this.open(name, O_PATH);
    try {
      return readlinkFd(fd, this.pathOf(name));
    } finally {
      closeSync(fd);
    }
  }

  rename(from: string, to: string): void {
    const result = libc().renameat(this.fd, cString(from, this.pathOf(from)), this.fd, cString(to, this.pathOf(to)));
    if (result !== 0) throw errnoError("rename", this.pathOf(from));
  }

  /**
   * As rename(), but refused (EEXIST) when anything stands at `to`: nothing is replaced, so nothing is
   * freed in passing (a large file someone put at `to` would be freed in this thread). Where the
   * kernel or file system lacks RENAME_NOREPLACE, a look first, then rename(): not atomic.
   */
  renameNoReplace(from: string, to: string): void {
    const nr = SYS_RENAMEAT2[process.arch];
    if (nr !== undefined) {
      const result = libc().syscall(nr, this.fd, cString(from, this.pathOf(from)), this.fd, cString(to, this.pathOf(to)), RENAME_NOREPLACE);
      if (result === 0) return;
      const code = errno();
      if (code !== ERRNO.EINVAL && code !== ERRNO.ENOSYS) throw errnoError("rename", this.pathOf(from), code);
    }
    if (this.lstat(to) !== null) throw errnoError("rename", this.pathOf(from), ERRNO.EEXIST);
    this.rename(from, to);
  }

  unlink(name: string): void {
    if (libc().unlinkat(this.fd, cString(name, this.pathOf(name)), 0) !== 0) throw errnoError("unlink", this.pathOf(name));
  }

  /** Make the directory `name` (root's, `mode` less the umask); an existing one is fine. */
  mkdir(name: string, mode: number): void {
    if (libc().mkdirat(this.fd, cString(name, this.pathOf(name)), mode) !== 0 && errno() !== ERRNO.EEXIST) throw errnoError("mkdir", this.pathOf(name));
  }

  close(): void {
    closeSync(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Why `name` cannot be opened as a regular file, when it is a link or something else; null when it can. */
  refusal(name: string): UnsafePathError | null {
    const stat = this.lstat(name);
    if (stat === null || stat.isFile()) return null;
    if (stat.isSymbolicLink()) return new UnsafePathError(this.pathOf(name), `is a symbolic link (to ${this.readlink(name)})${untrustedBecause(this, stat) ?? ""}`);
    return new UnsafePathError(this.pathOf(name), `is ${describeKindAndOwner(stat)}, not a regular file`, REGULAR_FILE_HINT);
  }
}

// What a file is, and for a named pipe whose it is (anyone who can write a directory can make one).
function describeKindAndOwner(stat: Stats): string {
  return stat.isFIFO() ? `${describeKind(stat)} owned by uid ${stat.uid}` : describeKind(stat);
}

/** The directory that holds `path`'s last component, reached by a safe walk, and that component. */
export function openParent(path: string, options: { create?: boolean } = {}): { dir: SafeDir; name: string } {
  const parts = resolve(path).split("/").filter(Boolean);
  const name = parts.pop();
  if (name === undefined) throw new UnsafePathError(path, "is the root directory");
  return { dir: recentWalk(parts) ?? rememberWalk(parts, walk(openRoot(), parts, options.create === true, { links: 0 })), name };
}

// Walks of one directory within a second share the first: its fd, duplicated for each caller. At
// start-up every program opens two logs in the same directory, and at 1,000 programs the walks from
// "/" (an openat and an fstat per component, four walks a program) were 14 % of the main thread's
// time. What is reused is a directory reached by a safe walk, so nothing done to the path since can
// redirect it; what a reuse can miss is a directory removed or replaced within that second, which the
// logs' once-a-second look allows for anyway (docs/reliability.md). A timer lets the fds go: no
// directory is held open (a removed one, a filesystem to unmount) past the second.
const WALK_REUSE_MS = 1000;
const MAX_REUSED_WALKS = 16;
const recentWalks = new Map<string, SafeDir>();
const F_DUPFD_CLOEXEC = 1030;

function recentWalk(parts: string[]): SafeDir | null {
  const dir = recentWalks.get(parts.join("/"));
  if (dir === undefined) return null;
  const fd = libc().fcntl(dir.fd, F_DUPFD_CLOEXEC, 3);
  return fd >= 0 ? new SafeDir(fd, dir.path) : null;
}

function rememberWalk(parts: string[], dir: SafeDir): SafeDir {
  if (recentWalks.size === 0) setTimeout(forgetWalks, WALK_REUSE_MS).unref();
  const key = parts.join("/");
  if (recentWalks.has(key)) return dir;
  if (recentWalks.size >= MAX_REUSED_WALKS) {
    // the oldest makes room (a Map iterates in insertion order)
    const [oldestKey, oldest] = recentWalks.entries().next().value!;
    oldest.close();
    recentWalks.delete(oldestKey);
  }
  const fd = libc().fcntl(dir.fd, F_DUPFD_CLOEXEC, 3);
  if (fd >= 0) recentWalks.set(key, new SafeDir(fd, dir.path));
  return dir;
}

function forgetWalks(): void {
  for (const dir of recentWalks.values()) dir.close();
  recentWalks.clear();
}

/** What a path leads to, with its directory open (the caller closes `dir`). */
export type Found =
  | { kind: "missing"; dir: SafeDir; name: string }
  | { kind: "file"; dir: SafeDir; name: string }
  | { kind: "stream"; dir: SafeDir; name: string; follow: boolean; what: StreamKind };

/** What a stream is: a named pipe, a character device, or an fd of the process that opens it (/proc/self/fd/N). */
export type StreamKind = { type: "fifo" } | { type: "char-device" } | { type: "fd"; fd: number | null; pid: number | null };

/**
 * What `path` leads to:
 * - "missing": nothing there (with `create`, its directories are made, 0755);
 * - "file": a regular file, named by the path itself;
 * - "stream": a FIFO or character device, or a trusted link to one, or a /proc magic link such as
 *   /dev/stdout's /proc/self/fd/1 (`follow`: the kernel must follow it, as it names an open file, not a path).
 * Throws UnsafePathError for anything else: an untrusted link, a link to a regular file (a rotated log
 * must be named by its own path), a directory, a socket, a block device.
 */
export function find(path: string, options: { create?: boolean } = {}): Found {
  let { dir, name } = openParent(path, options);
  const budget = { links: 0 };
  let linked = false;
  try {
    for (;;) {
      const stat = dir.lstat(name);
      if (stat === null) return { kind: "missing", dir, name };
      if (stat.isFile() && linked) throw new UnsafePathError(path, `is a link to the regular file ${dir.pathOf(name)}: a log is rotated by renaming it, so name the file itself`);
      if (stat.isFile()) return { kind: "file", dir, name };
      if (stat.isFIFO()) return { kind: "stream", dir, name, follow: false, what: { type: "fifo" } };
      if (stat.isCharacterDevice()) return { kind: "stream", dir, name, follow: false, what: { type: "char-device" } };
      if (!stat.isSymbolicLink()) throw new UnsafePathError(dir.pathOf(name), `is ${describeKind(stat)}, not a log file, a pipe or a device`);
      const target = trustedTarget(dir, name, stat);
      if (isProcfs(dir)) return { kind: "stream", dir, name, follow: true, what: procFd(dir.path, name) };
      if (++budget.links > MAX_LINKS) throw errnoError("open", path, ELOOP);
      const parts = target.split("/");
      const last = parts.pop() ?? "";
      if (last === "" || last === "." || last === "..") throw new UnsafePathError(dir.pathOf(name), `is a link to a directory (${target})`);
      const from = target.startsWith("/") ? (dir.close(), openRoot()) : dir;
      dir = walk(from, parts, false, budget);
      name = last;
      linked = true;
    }
  } catch (error) {
    dir.close();
    throw error;
  }
}

/**
 * Open the regular file `name` in `dir` for appending, creating it (`mode`) when missing. Only a regular
 * file with a single name is accepted (a second name is a hard link someone made to another file).
 * A file created here is given to `owner` through its fd. An existing file keeps its owner, and is
 * written only when that owner is root, tsvisor's own user or `owner`: anyone who can write the
 * directory can put a file of their own at a log's name (after `rm`, or before tsvisor first opens
 * it), and what tsvisor writes there (root's program's output, tsvisor.log) would be theirs to read.
 * `anyOwner`: for a file whose content is no one's secret (a lock file's pid).
 */
export function openAppend(dir: SafeDir, name: string, options: { mode: number; owner?: { uid: number; gid: number } | null; anyOwner?: boolean }): number {
  // O_NONBLOCK: a FIFO put in the file's place must not make the open wait for a reader.
  const flags = O_WRONLY | O_APPEND | O_NONBLOCK;
  for (let attempt = 1; ; attempt++) {
    const created = dir.tryOpen(name, flags | O_CREAT | O_EXCL, options.mode);
    const fd = typeof created === "number" ? created : created.code === "EEXIST" ? dir.tryOpen(name, flags) : created;
    // removed between the two opens: try again (a user racing the open forever gets ENOENT)
    if (typeof fd !== "number" && fd.code === "ENOENT" && attempt < 3) continue;
    // ELOOP: a link; ENXIO: a FIFO nobody reads. Either is refused by name.
    if (typeof fd !== "number") throw fd.code === "ELOOP" || fd.code === "ENXIO" ? dir.refusal(name) ?? fd : fd;
    try {
      const stat = fstatSync(fd);
      checkRegular(stat, dir.pathOf(name));
      if (typeof created === "number" && options.owner) chownQuietly(fd, options.owner);
      if (typeof created !== "number" && !options.anyOwner) checkWriteOwner(stat, dir.pathOf(name), options.owner?.uid ?? null);
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }
}

/** Open the regular file `name` in `dir` for reading; anything else (a link, a pipe, a second name) is refused. */
export function openRead(dir: SafeDir, name: string): number {
  const fd = dir.open(name, O_RDONLY | O_NONBLOCK);
  try {
    checkRegular(fstatSync(fd), dir.pathOf(name));
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Open a file to read its first bytes where its links are followed as exec() follows them (a command):
 * O_NONBLOCK, so that a named pipe swapped in after a stat() cannot hold tsvisor's thread in open()
 * waiting for a writer, and the open fd is what is checked (fstat), not the path. Anything but a
 * regular file is refused; the caller closes the fd.
 */
export function openFollowingRead(path: string): number {
  const fd = libc().openat(AT_FDCWD, cString(path, path), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0) throw errnoError("open", path);
  const stat = fstatSync(fd);
  if (stat.isFile()) return fd;
  closeSync(fd);
  throw new UnsafePathError(path, `is ${describeKind(stat)} now, not a regular file`);
}

/** Up to `length` first bytes of a file opened as openFollowingRead opens it (a command's header); throws as it does. */
export function readFirstBytes(path: string, length: number): Buffer {
  const fd = openFollowingRead(path);
  try {
    const head = Buffer.alloc(length);
    return head.subarray(0, readSync(fd, head, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Open a stream `find` found, for writing as is: non-blocking, so a FIFO without a reader fails with
 * ENXIO at once instead of holding tsvisor up, and a full one says EAGAIN. A FIFO is written only when
 * it belongs to root, tsvisor's user or `owner` (the program's user), as an existing regular file is
 * (openAppend): anyone who can write its directory can make one and read what comes. Devices are not
 * asked: only root makes them.
 */
export function openStream(found: Extract<Found, { kind: "stream" }>, owner: number | null): number {
  const { dir, name } = found;
  const flags = O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  // Only a trusted /proc link is followed here: it names an open file, so no path is walked.
  const fd = found.follow ? libc().openat(dir.fd, cString(name, dir.pathOf(name)), flags, 0) : dir.open(name, flags);
  if (fd < 0) throw errnoError("open", dir.pathOf(name));
  const stat = fstatSync(fd);
  const fits = found.follow ? !stat.isDirectory() && !stat.isSocket() && !stat.isBlockDevice() : stat.isFIFO() || stat.isCharacterDevice();
  try {
    if (!fits) throw new UnsafePathError(dir.pathOf(name), `is ${describeKind(stat)} now, not a pipe or a device`);
    if (!found.follow && stat.isFIFO()) checkWriteOwner(stat, dir.pathOf(name), owner);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** "a directory", "a named pipe", ...: what a file is, in words. */
export function describeKind(stat: Stats): string {
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a directory";
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isFIFO()) return "a named pipe (FIFO)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "a special file";
}

/** Is this a node:fs-style errno error with this code (ENOENT, ...)? */
export function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code;
}

// One component at a time from `from` (which this takes over and closes): a directory is entered, a
// trusted link's target takes the link's place, anything else ends the walk with an error.
function walk(from: SafeDir, parts: string[], create: boolean, budget: { links: number }): SafeDir {
  let dir = from;
  const queue = [...parts];
  try {
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === "" || part === ".") continue;
      const fd = openComponent(dir, part, create);
      const stat = fstatSync(fd);
      if (stat.isDirectory()) {
        const next = new SafeDir(fd, part === ".." ? parentPath(dir.path) : dir.pathOf(part));
        dir.close();
        dir = next;
        continue;
      }
      closeSync(fd);
      if (!stat.isSymbolicLink()) throw errnoError("open", dir.pathOf(part), ENOTDIR);
      const target = trustedTarget(dir, part, stat);
      if (++budget.links > MAX_LINKS) throw errnoError("open", dir.pathOf(part), ELOOP);
      if (target.startsWith("/")) {
        dir.close();
        dir = openRoot();
      }
      queue.unshift(...target.split("/"));
    }
    return dir;
  } catch (error) {
    dir.close();
    throw error;
  }
}

// The entry `part` of `dir` as an O_PATH fd (the link itself when it is one); with `create`, a missing
// directory is made first.
function openComponent(dir: SafeDir, part: string, create: boolean): number {
  const fd = dir.tryOpen(part, O_PATH);
  if (typeof fd === "number") return fd;
  if (fd.code !== "ENOENT" || !create) throw fd;
  dir.mkdir(part, 0o755);
  return dir.open(part, O_PATH);
}

// The target of the link `name` in `dir` when that link may be followed; UnsafePathError when not.
function trustedTarget(dir: SafeDir, name: string, link: Stats): string {
  const target = dir.readlink(name);
  const distrust = untrustedBecause(dir, link);
  if (distrust !== null) throw new UnsafePathError(dir.pathOf(name), `is a symbolic link (to ${target})${distrust}`);
  return target;
}

// Root, and tsvisor's own user when it runs as another: whoever could have made these links could
// also have written tsvisor's config.
const trustedUids = (): Set<number> => new Set([0, process.geteuid?.() ?? 0]);

// Why a link may not be followed, as the end of a sentence; null when it may.
function untrustedBecause(dir: SafeDir, link: Stats): string | null {
  const trusted = trustedUids();
  if (!trusted.has(link.uid)) return ` owned by uid ${link.uid}`;
  const parent = fstatSync(dir.fd);
  if (!trusted.has(parent.uid)) return ` in a directory owned by uid ${parent.uid}`;
  if (parent.mode & 0o002) return " in a directory everyone can write";
  if (parent.mode & 0o020) return ` in a directory group ${parent.gid} can write`;
  return null;
}

function checkRegular(stat: Stats, path: string): void {
  if (!stat.isFile()) throw new UnsafePathError(path, `is ${describeKindAndOwner(stat)}, not a regular file`, REGULAR_FILE_HINT);
  if (stat.nlink > 1) throw new UnsafePathError(path, `has ${stat.nlink} names (hard links): one of them may be another user's link to a file of root's`, REGULAR_FILE_HINT);
}

/** May what tsvisor writes go to a file (or pipe) of `uid`: root's, tsvisor's user's or `expected`'s (the program's user)? */
export function mayReceiveWrites(uid: number, expected: number | null): boolean {
  return trustedUids().has(uid) || uid === expected;
}

// An existing file to append to must belong to root, to tsvisor's user or to `expected` (the program's
// user): anyone else put it there, and must not receive what tsvisor writes.
function checkWriteOwner(stat: Stats, path: string, expected: number | null): void {
  if (mayReceiveWrites(stat.uid, expected)) return;
  const allowed = [...trustedUids(), ...(expected === null ? [] : [expected])].map((uid) => (uid === 0 ? "root" : `uid ${uid}`));
  throw new UnsafePathError(path, `is owned by uid ${stat.uid}, not by ${[...new Set(allowed)].join(" or ")}: someone else put it there, and it is not given what tsvisor writes`,
    `remove it (tsvisor then makes its own within a second), or chown it to ${expected === null ? "root" : `uid ${expected}`} if it is meant to be the log`);
}

// Giving a new file to the program's user is a courtesy: failing at it (not root) loses nothing.
function chownQuietly(fd: number, owner: { uid: number; gid: number }): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch {
    // EPERM
  }
}

let procDevice: number | null | undefined;
// Links in /proc (/proc/self/fd/1) name open files, not paths: the kernel must follow them itself.
function isProcfs(dir: SafeDir): boolean {
  if (procDevice === undefined) {
    try {
      procDevice = statSync("/proc/self").dev;
    } catch {
      procDevice = null; // no /proc mounted
    }
  }
  return procDevice !== null && fstatSync(dir.fd).dev === procDevice;
}

// /proc/1234/fd/1 -> fd 1 of pid 1234 (/proc/self has been walked to the pid by then).
function procFd(dirPath: string, name: string): StreamKind {
  const pid = /^\/proc\/(\d+)\/fd$/.exec(dirPath)?.[1];
  return { type: "fd", fd: /^\d+$/.test(name) ? Number(name) : null, pid: pid === undefined ? null : Number(pid) };
}

function openRoot(): SafeDir {
  const fd = libc().openat(AT_FDCWD, cString("/", "/"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) throw errnoError("open", "/");
  return new SafeDir(fd, "/");
}

function readlinkFd(fd: number, path: string): string {
  const buffer = Buffer.alloc(LINK_BYTES);
  const n = Number(libc().readlinkat(fd, cString("", path), buffer, LINK_BYTES));
  if (n < 0) throw errnoError("readlink", path);
  return buffer.subarray(0, n).toString();
}

const parentPath = (path: string): string => path.replace(/\/[^/]*$/, "") || "/";

// A C string for libc; a NUL inside would silently cut the path short.
function cString(text: string, path: string): Buffer {
  if (text.includes("\0")) throw new UnsafePathError(JSON.stringify(path), "contains a NUL byte");
  return Buffer.from(`${text}\0`);
}

// The failed call's errno as node:fs would have thrown it ("ENOENT: no such file or directory, open '/x'"),
// so callers handle both alike.
export function errnoError(syscall: string, path: string, code = errno()): NodeJS.ErrnoException {
  const name = getSystemErrorName(-code);
  return Object.assign(new Error(`${name}: ${getSystemErrorMessage(-code)}, ${syscall} '${path}'`), { code: name, errno: -code, syscall, path });
}

/**
 * Where the file behind `fd` really ends, after tsvisor cut it to `size` (logs/rotating-file.ts): null
 * when the byte before `size` is not NUL, i.e. the file ends as tsvisor's writes left it (a line's
 * newline). A NUL there means something emptied the file just before the cut (`: > file`, `echo >
 * file`), and the cut then stretched it over a hole: the offset just past the last byte that is not
 * NUL, where it should end (0 for NUL bytes only). Also null when the file cannot be read, or shrank
 * meanwhile (emptied again: nothing to mend). `fd` may be write-only: the file is read through
 * /proc/self/fd, the same file whatever its path now names; without /proc the answer is null.
 */
export function endBeforeStretch(fd: number, size: number): number | null {
  if (size === 0) return null;
  let reader: number | null = null;
  try {
    reader = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK | O_CLOEXEC);
    const chunk = Buffer.alloc(64 * 1024);
    // one byte first: the common case, a file that ends as it should, reads nothing more
    if (readSync(reader, chunk, 0, 1, size - 1) !== 1 || chunk[0] !== 0) return null;
    for (let end = size; end > 0; ) {
      const from = Math.max(0, end - chunk.length);
      if (readSync(reader, chunk, 0, end - from, from) !== end - from) return null;
      const last = chunk.subarray(0, end - from).findLastIndex((byte) => byte !== 0);
      if (last >= 0) return from + last + 1;
      end = from;
    }
    return 0;
  } catch {
    return null;
  } finally {
    if (reader !== null) closeSync(reader);
  }
}
