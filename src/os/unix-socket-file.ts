// The file of a unix socket a server is about to bind: free it when a killed server left it behind,
// refuse when someone still listens on it, bind without a moment in which others could connect, and
// give it its owner and mode through its own fd. The directory is walked by os/safe-open.ts, so a
// link planted in the socket's path is refused, never followed by a chown or chmod as root.
import { chmodSync, chownSync, closeSync, fstatSync } from "node:fs";
import { O_PATH } from "./libc.ts";
import { describeKind, openParent, UnsafePathError } from "./safe-open.ts";

/** What stands at a socket path before binding. */
export type SocketPathState = "free" | "stale-removed" | "in-use" | "not-a-socket";

// Nothing at the path: "free"; a stale socket nobody listens on: removed here, "stale-removed" (the
// caller says so in its log, as supervisord does). A live socket: "in-use", left alone; anything that is not a socket is never removed either. Throws only when the
// path cannot be examined.
export async function claimSocketPath(path: string): Promise<SocketPathState> {
  let place: ReturnType<typeof openParent>;
  try {
    place = openParent(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "free"; // bind says the directory is missing
    throw new Error(error instanceof UnsafePathError ? error.message : describeSocketError(error as NodeJS.ErrnoException));
  }
  const { dir, name } = place;
  try {
    const stat = dir.lstat(name);
    if (stat === null) return "free";
    if (!stat.isSocket()) return "not-a-socket";
    if (await isListening(path)) return "in-use";
    try {
      dir.unlink(name); // in the directory walked, whatever its path now leads to
    } catch (error) {
      throw new Error(`cannot remove the stale socket: ${describeSocketError(error as NodeJS.ErrnoException)}`);
    }
    return "stale-removed";
  } finally {
    dir.close();
  }
}

/**
 * Give the socket just bound at `path` its mode and owner, through an O_PATH fd of it (chmod/chown of
 * /proc/self/fd/N, as glibc's fchmodat does: a socket cannot be open()ed). The fd must be a socket
 * owned by tsvisor's user; anything else there (a link put in its place, another user's socket) is
 * refused and left alone.
 */
export function setSocketAccess(path: string, mode: number, owner: { uid: number; gid: number } | null): void {
  const { dir, name } = openParent(path);
  let fd: number;
  try {
    fd = dir.open(name, O_PATH);
  } finally {
    dir.close();
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isSocket()) throw new UnsafePathError(path, `is ${describeKind(stat)} now, not the socket tsvisor bound`);
    if (stat.uid !== (process.geteuid?.() ?? 0)) throw new UnsafePathError(path, `is a socket of uid ${stat.uid}, not the one tsvisor bound`);
    if (owner) chownSync(`/proc/self/fd/${fd}`, owner.uid, owner.gid);
    chmodSync(`/proc/self/fd/${fd}`, mode);
  } finally {
    closeSync(fd);
  }
}

// Bind through `listen` under umask 0177: the socket is born 0600, so no moment exists in which
// another user could connect before the caller's chmod (a socket's mode is what connect(2) checks).
export function bindOwnerOnly<T>(listen: () => T): T {
  const umask = process.umask(0o177);
  try {
    return listen();
  } finally {
    process.umask(umask);
  }
}

// The errno of a bind or connect on a socket path, in words.
export function describeSocketError(error: NodeJS.ErrnoException): string {
  if (error.code === "ENOENT") return "its directory does not exist";
  if (error.code === "EACCES") return "permission denied";
  if (error.code === "EADDRINUSE") return "another process bound it at the same moment";
  return error.message;
}

// ECONNREFUSED is the kernel's word for "a socket file with nobody behind it".
async function isListening(path: string): Promise<boolean> {
  try {
    const socket = await Bun.connect({ unix: path, socket: { data() {} } });
    socket.end();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ECONNREFUSED") return false;
    throw new Error(`cannot tell whether it is in use: ${describeSocketError(error as NodeJS.ErrnoException)}`);
  }
}
