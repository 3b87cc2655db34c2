// Whether tsvisor can make its files in a directory, asked before it tries: the default control
// socket and log directory fall back to other places when the usual one cannot be written (a
// container run as a user other than root, a read-only root file system), and the error must say
// which places were tried and why each failed.
// A private directory is tsvisor's own in a place every user can write (/tmp, /dev/shm). Someone
// else may have made that name first, to listen in on the socket or read the logs: it is used only
// when it is a real directory (not a link), owned by this user and closed to everyone else (0700),
// in a parent where no other user can rename it away (the sticky bit of /tmp and /dev/shm).
import { accessSync, constants, fstatSync } from "node:fs";
import { dirname } from "node:path";
import { describeKind, isErrno, openParent, UnsafePathError } from "./safe-open.ts";

const OTHERS_WRITE = 0o022;
const STICKY = 0o1000;

/**
 * Why `dir` cannot be this user's private directory, as the end of a sentence ("is owned by uid
 * 1001"); null when it can. A missing one counts as fine when it could be made there; with `create`
 * it is made (mode 0700) and checked. `uid`: whose it must be (tsvisor's own user by default).
 */
export function privateDirProblem(dir: string, options: { create: boolean; uid?: number }): string | null {
  const uid = options.uid ?? process.geteuid?.() ?? 0;
  let place: ReturnType<typeof openParent>;
  try {
    place = openParent(dir);
  } catch (error) {
    return describeProblem(error);
  }
  const { dir: parent, name } = place;
  try {
    const around = fstatSync(parent.fd);
    if ((around.mode & OTHERS_WRITE) !== 0 && (around.mode & STICKY) === 0) {
      return `is in ${parent.path}, which others can write without the sticky bit (they could swap the directory)`;
    }
    let stat = parent.lstat(name);
    if (stat === null) {
      if (!options.create) return writableProblem(parent.path);
      parent.mkdir(name, 0o700);
      stat = parent.lstat(name);
      if (stat === null) return "was removed as soon as it was made";
    }
    if (stat.isSymbolicLink()) return `is a symbolic link (to ${parent.readlink(name)}), not a directory`;
    if (!stat.isDirectory()) return `is ${describeKind(stat)}, not a directory`;
    if (stat.uid !== uid) return `is owned by uid ${stat.uid}, not by uid ${uid}: someone else made it`;
    if ((stat.mode & 0o077) !== 0) return `has mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}: others may enter it (it must be 0700)`;
    return writableProblem(dir);
  } catch (error) {
    return describeProblem(error);
  } finally {
    parent.close();
  }
}

/**
 * Why files cannot be made in `dir` by this user, as the end of a sentence ("is a read-only file
 * system"); null when they can. With `mayCreate`, a missing directory is fine when its nearest
 * existing parent can be written (it will be made there).
 */
export function writableDirProblem(dir: string, options: { mayCreate: boolean } = { mayCreate: false }): string | null {
  const problem = writableProblem(dir);
  if (problem !== MISSING || !options.mayCreate) return problem;
  const parent = dirname(dir);
  if (parent === dir) return problem;
  const parentProblem = writableDirProblem(parent, options);
  return parentProblem === null ? null : `does not exist and cannot be made: ${parent} ${parentProblem}`;
}

const MISSING = "does not exist";

// access(2) with W_OK and X_OK: the kernel's answer for this user, read-only mounts included.
function writableProblem(dir: string): string | null {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return null;
  } catch (error) {
    return isErrno(error, "ENOENT") ? MISSING : describeProblem(error);
  }
}

function describeProblem(error: unknown): string {
  if (error instanceof UnsafePathError) return error.message.replace(/^refusing \S+: it /, "");
  if (isErrno(error, "ENOENT")) return MISSING;
  if (isErrno(error, "EACCES") || isErrno(error, "EPERM")) return "is not writable by this user (permission denied)";
  if (isErrno(error, "EROFS")) return "is on a read-only file system";
  if (isErrno(error, "ENOTDIR")) return "has a file where a directory should be";
  return (error as Error).message;
}
