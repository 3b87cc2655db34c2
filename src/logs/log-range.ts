// Bytes of a log file by offset, as supervisord's XML-RPC API reads them (options.py readFile and
// tailFile), and emptying one (clearProcessLogs). Files are reached as logs/tail.ts reaches them: no link
// followed, no pipe or device read, since the daemon reads as root.
import { closeSync, fstatSync, ftruncateSync, readSync } from "node:fs";
import { TsvisorError } from "../errors.ts";
import { find, isErrno, openAppend } from "../os/safe-open.ts";
import { reopenLogAt } from "./open-logs.ts";
import { openCursor } from "./tail.ts";

/** What a tail read gives: the bytes, the file's size (where the next tail starts), and whether bytes were skipped. */
export interface TailRange {
  data: Buffer;
  offset: number;
  overflow: boolean;
}

// readFile(): a negative offset reads the last -offset bytes (length must then be 0); otherwise `length`
// bytes from `offset`, or to the end when length is 0. Reads at most `cap` bytes. Throws NO_LOG when the
// file is not there, BAD_ARGUMENTS for a negative offset with a length.
export function readRange(path: string, label: string, offset: number, length: number, cap: number): Buffer {
  if (offset < 0 && length !== 0) throw new TsvisorError("BAD_ARGUMENTS", "a negative offset reads from the end: its length must be 0");
  return withFile(path, label, (fd, size) => {
    const start = offset < 0 ? Math.max(0, size + offset) : offset;
    const end = offset < 0 ? size : length === 0 ? size : Math.min(size, offset + length);
    return readAt(fd, start, Math.min(cap, Math.max(0, end - start)));
  });
}

// tailFile(): `length` bytes from `offset`; when the file has grown past offset + length the read
// jumps to its last `length` bytes and says so (overflow). A missing file reads as nothing.
export function tailRange(path: string, label: string, offset: number, length: number, cap: number): TailRange {
  try {
    return withFile(path, label, (fd, size) => {
      const wanted = Math.min(length, cap);
      const overflow = size > offset + wanted;
      const start = overflow ? Math.max(0, size - wanted) : Math.min(offset, size);
      return { data: readAt(fd, start, Math.min(wanted, size - start)), offset: size, overflow };
    });
  } catch (error) {
    if (error instanceof TsvisorError && error.code === "NO_LOG") return { data: Buffer.alloc(0), offset: 0, overflow: false };
    throw error;
  }
}

// Empty the log file at `path` (its rotated copies stay), and have its writer, if one is open, count
// from zero again; false when there is no file to empty.
export function emptyLog(path: string): boolean {
  const found = find(path);
  try {
    if (found.kind !== "file") return false; // missing, or a pipe or a device: nothing is kept there
    // Emptying writes nothing into the file, so whoever owns it is given nothing (its writer, reopened
    // below, applies the owner rule).
    const fd = openAppend(found.dir, found.name, { mode: 0o640, anyOwner: true });
    try {
      ftruncateSync(fd, 0);
    } finally {
      closeSync(fd);
    }
  } finally {
    found.dir.close();
  }
  reopenLogAt(path);
  return true;
}

function withFile<T>(path: string, label: string, read: (fd: number, size: number) => T): T {
  let cursor;
  try {
    cursor = openCursor(path, label);
  } catch (error) {
    if (error instanceof TsvisorError && (error.code === "UNSAFE_PATH" || error.code === "LOG_NOT_A_FILE")) throw new TsvisorError("NO_LOG", error.message, error.hint);
    if (isErrno(error, "ENOENT")) throw new TsvisorError("NO_LOG", `${label}: ${path} does not exist`);
    throw error;
  }
  if (cursor.fd === null) throw new TsvisorError("NO_LOG", `${label}: ${path} does not exist (yet)`);
  try {
    return read(cursor.fd, fstatSync(cursor.fd).size);
  } finally {
    closeSync(cursor.fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n <= 0) break; // the file shrank meanwhile
    done += n;
  }
  return out.subarray(0, done);
}
