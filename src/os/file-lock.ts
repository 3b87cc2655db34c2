// One holder of a directory at a time, through an flock(2) on a lock file in it: the kernel drops the
// lock when the holder's process ends, however it ends (SIGKILL included), so a lock file left behind
// never blocks the next start. The holder's pid is written in the file, so a refusal can name it; the
// file's owner is reported beside it, since anyone who can write the directory can make the file, hold
// a lock on it and write any pid there.
import { closeSync, fstatSync, ftruncateSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { getSystemErrorName } from "node:util";
import { ERRNO, LOCK_EX, LOCK_NB, errno, libc } from "./libc.ts";
import { type SafeDir, openAppend, openParent, openRead } from "./safe-open.ts";

/** Who holds the lock, as far as the file tells: its owner, and the pid written in it (null: none readable). */
export interface LockHolder {
  owner: number;
  claimedPid: number | null;
}

/**
 * held: taken, until release(); busy: another process holds it; unavailable: no lock could be taken
 * (a link or another kind of file planted at its name, a file system without flock), `why` says which.
 */
export type DirectoryLock =
  | { state: "held"; release(): void }
  | { state: "busy"; holder: LockHolder }
  | { state: "unavailable"; why: string };

/** Take `dir`/`name` (made when missing, opened without following links); throws when `dir` cannot be reached. */
export function lockDirectory(dir: string, name: string): DirectoryLock {
  const opened = openLockFile(dir, name);
  if ("why" in opened) return { state: "unavailable", why: opened.why };
  const { parent, fd } = opened;
  try {
    if (libc().flock(fd, LOCK_EX | LOCK_NB) === 0) {
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n`);
      return { state: "held", release: () => closeSync(fd) };
    }
    const code = errno();
    const lock: DirectoryLock = code === ERRNO.EWOULDBLOCK
      ? { state: "busy", holder: { owner: fstatSync(fd).uid, claimedPid: readPid(parent, name) } }
      : { state: "unavailable", why: `flock on ${parent.pathOf(name)} failed with ${getSystemErrorName(-code)} (a file system without locks)` };
    closeSync(fd);
    return lock;
  } finally {
    parent.close();
  }
}

// The lock file and its directory, or why the file cannot be had: a link or a FIFO at its name is
// refused by safe-open.ts with a message naming it, its target and its owner. A directory that
// cannot be reached throws: the log files there fail too, and say so themselves.
function openLockFile(dir: string, name: string): { parent: SafeDir; fd: number } | { why: string } {
  const parent = openParent(join(dir, name), { create: true }).dir;
  try {
    return { parent, fd: openAppend(parent, name, { mode: 0o644, anyOwner: true }) }; // it holds a pid, no secret
  } catch (error) {
    parent.close();
    return { why: (error as Error).message };
  }
}

function readPid(dir: SafeDir, name: string): number | null {
  try {
    const fd = openRead(dir, name);
    const buffer = Buffer.alloc(32);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
    const pid = Number(buffer.subarray(0, n).toString().trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
