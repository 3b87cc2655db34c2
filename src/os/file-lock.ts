// One holder of a directory at a time, through an flock(2) on a lock file in it: the kernel drops the
// lock when the holder's process ends, however it ends (SIGKILL included), so a lock file left behind
// never blocks the next start. The holder's pid is written in the file, so a refusal can name it.
import { closeSync, ftruncateSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ERRNO, LOCK_EX, LOCK_NB, errno, libc } from "./libc.ts";
import { openAppend, openParent, openRead } from "./safe-open.ts";

export type DirectoryLock = { held: true; release(): void } | { held: false; holder: number | null };

/** Take `dir`/`name` (made when missing, opened without following links); the pid of the holder when taken. */
export function lockDirectory(dir: string, name: string): DirectoryLock {
  const { dir: parent, name: file } = openParent(join(dir, name), { create: true });
  try {
    const fd = openAppend(parent, file, { mode: 0o644, anyOwner: true }); // it holds a pid, no secret
    if (libc().flock(fd, LOCK_EX | LOCK_NB) === 0) {
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n`);
      return { held: true, release: () => closeSync(fd) };
    }
    const busy = errno() === ERRNO.EWOULDBLOCK;
    closeSync(fd);
    if (!busy) return { held: true, release: () => {} }; // a file system without flock: no lock, no refusal
    return { held: false, holder: readPid(parent, file) };
  } finally {
    parent.close();
  }
}

function readPid(dir: ReturnType<typeof openParent>["dir"], name: string): number | null {
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
