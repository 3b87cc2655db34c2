// The file of a unix socket a server is about to bind: free it when a killed server left it behind,
// refuse when someone still listens on it, and bind without a moment in which others could connect.
import { lstatSync, unlinkSync } from "node:fs";

/** What stands at a socket path before binding. */
export type SocketPathState = "free" | "in-use" | "not-a-socket";

// Nothing at the path, or a stale socket nobody listens on (removed here): "free". A live socket:
// "in-use", left alone; anything that is not a socket is never removed either. Throws only when the
// path cannot be examined.
export async function claimSocketPath(path: string): Promise<SocketPathState> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "free";
    throw error;
  }
  if (!isSocket) return "not-a-socket";
  if (await isListening(path)) return "in-use";
  try {
    unlinkSync(path);
  } catch (error) {
    throw new Error(`cannot remove the stale socket: ${describeSocketError(error as NodeJS.ErrnoException)}`);
  }
  return "free";
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
