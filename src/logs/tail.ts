// Reading a log as `tail -n N -F` would: the last N lines across rotation boundaries (name.log.2,
// name.log.1, name.log), then new bytes as they are written, following the file across rotations
// (a rename and a new file at the path) and truncations (an external copytruncate).
// Files are opened through os/safe-open.ts: `tsvisor logs` and the HTTP API run as root, and a link
// planted at name.log.1 must not make them print /etc/shadow.
import { closeSync, fstatSync, readSync } from "node:fs";
import { TsvisorError } from "../errors.ts";
import { find, isErrno, openParent, openRead, REGULAR_FILE_HINT, UnsafePathError, type StreamKind } from "../os/safe-open.ts";

const NEWLINE = 10;
const BLOCK_BYTES = 64 * 1024;
const FOLLOW_INTERVAL_MS = 100;
const MAX_BACKUPS_SCANNED = 1000; // stdout_logfile_backups' upper bound

/** An open log file, at the point where `follow` takes over from `lastLines`. */
export interface LogCursor {
  path: string;
  /** null while the file does not exist (yet). */
  fd: number | null;
  /** Bytes of the open file already read. */
  position: number;
}

/**
 * Open the current file of a log; `lastLines` reads up to here and `follow` from here on. `label`
 * ("web's stdout") names the log in the LOG_NOT_A_FILE error for a path that is a pipe or a device.
 */
export function openCursor(path: string, label = path): LogCursor {
  const fd = openIfExists(path, label);
  return { path, fd, position: fd === null ? 0 : fstatSync(fd).size };
}

/**
 * At most this many bytes of a log are read for one request (the last lines, or what a follower
 * finds new at one look). The log is the program's own file: its user can make it a sparse file of
 * terabytes with no newline, and tsvisor reads it as root on its only thread (docs/security.md,
 * "Reading a log"). supervisord bounds its tails by bytes too (1,600 for `tail`, `readLog`'s length).
 */
export const MAX_TAIL_BYTES = 8 * 1024 * 1024;

/**
 * The last `n` lines of a log: the current file up to the cursor, then name.log.1 ... name.log.N as
 * far back as needed, but never more than `maxBytes` back: a line that starts further back is cut to
 * its last bytes. Bytes as written (a last line without "\n" stays so). The files are scanned with
 * one block buffer; only the bytes returned are kept.
 */
export function lastLines(cursor: LogCursor, backups: number, n: number, maxBytes = MAX_TAIL_BYTES): Buffer {
  if (n <= 0) return Buffer.alloc(0);
  const files: [number | null, number | null][] = [[cursor.fd, cursor.position]];
  try {
    // every backup opened before any is read: a rotation meanwhile then shifts nothing under the reader
    for (let i = 1; i <= backups; i++) files.push([openIfExists(`${cursor.path}.${i}`, null), null]);
    const spans = startOfLastLines(files, n, maxBytes);
    const out = Buffer.alloc(spans.reduce((sum, span) => sum + span.end - span.start, 0));
    let done = 0;
    for (const { fd, start, end } of spans) done += readFully(fd, out.subarray(done, done + end - start), start);
    return out.subarray(0, done); // shorter only if a file shrank meanwhile
  } finally {
    for (const [fd] of files.slice(1)) if (fd !== null) closeSync(fd);
  }
}

// Where the last `n` lines start, as byte ranges of the files (newest first in `files`, oldest first
// in the answer), within `maxBytes` in all.
function startOfLastLines(files: readonly [number | null, number | null][], n: number, maxBytes: number): { fd: number; start: number; end: number }[] {
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  const spans: { fd: number; start: number; end: number }[] = [];
  let found = 0;
  let atEnd = true; // the final "\n" of everything ends the last line; it does not start one
  let budget = maxBytes;
  for (const [fd, limit] of files) {
    if (fd === null) continue;
    const fileEnd = limit ?? fstatSync(fd).size;
    let end = fileEnd;
    while (end > 0 && budget > 0) {
      const start = Math.max(0, end - BLOCK_BYTES, end - budget);
      const read = block.subarray(0, readFully(fd, block.subarray(0, end - start), start));
      budget -= end - start;
      let i = read.length - 1;
      if (atEnd && read[i] === NEWLINE) i--;
      atEnd = false;
      for (i = i < 0 ? -1 : read.lastIndexOf(NEWLINE, i); i !== -1; i = i > 0 ? read.lastIndexOf(NEWLINE, i - 1) : -1) {
        if (++found === n) return [...spans, { fd, start: start + i + 1, end: fileEnd }].reverse();
      }
      end = start;
    }
    spans.push({ fd, start: end, end: fileEnd });
    if (budget <= 0) break;
  }
  return spans.reverse();
}

/**
 * Write every new byte of the log from the cursor on, until `signal` aborts: the rest of a rotated-away
 * file first, then the new file at the path from its start, so nothing is skipped or repeated.
 */
export async function follow(cursor: LogCursor, write: (data: Buffer) => void, signal?: AbortSignal): Promise<void> {
  while (!signal?.aborted) {
    readNew(cursor, write);
    if (!switchIfMoved(cursor, write)) await Bun.sleep(FOLLOW_INTERVAL_MS);
  }
}

// When the path now names another file (rotated, or created at last), finish the old one and move to
// the new one at its start; true when it did. A file truncated in place is read again from its start.
function switchIfMoved(cursor: LogCursor, write: (data: Buffer) => void): boolean {
  const current = statIfExists(cursor.path);
  if (cursor.fd === null) {
    if (current === null) return false;
    Object.assign(cursor, { fd: openIfExists(cursor.path, cursor.path), position: 0 });
    return true;
  }
  const open = fstatSync(cursor.fd);
  if (current !== null && current.ino === open.ino && current.dev === open.dev) {
    if (open.size < cursor.position) cursor.position = 0;
    return false;
  }
  readNew(cursor, write); // what was written to the old file before it was moved away
  closeSync(cursor.fd);
  // Rotated more than once since the last look: the files between the old one (now name.log.K) and
  // the current one are name.log.(K-1) ... name.log.1, and are read whole, oldest first.
  const k = backupNumberOf(cursor.path, open);
  for (let i = k - 1; i >= 1; i--) readWhole(`${cursor.path}.${i}`, write);
  Object.assign(cursor, { fd: openIfExists(cursor.path, cursor.path), position: 0 });
  return true;
}

// N when name.log.N is the given file; 0 when no backup is (moved elsewhere, e.g. by logrotate).
function backupNumberOf(path: string, file: { ino: number; dev: number }): number {
  for (let i = 1; i <= MAX_BACKUPS_SCANNED; i++) {
    const backup = statIfExists(`${path}.${i}`);
    if (backup === null) return 0;
    if (backup.ino === file.ino && backup.dev === file.dev) return i;
  }
  return 0;
}

function readWhole(path: string, write: (data: Buffer) => void): void {
  const fd = openIfExists(path, null);
  if (fd === null) return;
  try {
    readNew({ path, fd, position: 0 }, write);
  } finally {
    closeSync(fd);
  }
}

// Bytes from the cursor to the end the file has now. More than MAX_TAIL_BYTES new since the last look
// (a file grown by gigabytes at once, as a sparse `truncate -s` does): only its last MAX_TAIL_BYTES
// are read, as a first tail would, so that one look never holds the thread or the reader's memory.
function readNew(cursor: LogCursor, write: (data: Buffer) => void): void {
  if (cursor.fd === null) return;
  const size = fstatSync(cursor.fd).size;
  cursor.position = Math.max(cursor.position, size - MAX_TAIL_BYTES);
  const buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  while (cursor.position < size) {
    const n = readSync(cursor.fd, buffer, 0, Math.min(buffer.length, size - cursor.position), cursor.position);
    if (n <= 0) return;
    cursor.position += n;
    write(Buffer.from(buffer.subarray(0, n)));
  }
}

// Read into all of `into` from `position`; how many bytes were read (fewer at the end of the file).
function readFully(fd: number, into: Buffer, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

// The regular file at `path`, opened for reading; null when nothing is there. A log's own path
// (`label` names it) may be a pipe or a device: LOG_NOT_A_FILE, since reading /dev/stdout would read
// the reader's own stdout. A link, or anything but a regular file at a backup's path, is refused
// (UNSAFE_PATH), never read.
function openIfExists(path: string, label: string | null): number | null {
  let found;
  try {
    found = find(path);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null; // its directory is missing
    throw deniedOr(error, path);
  }
  try {
    if (found.kind === "missing") return null;
    if (found.kind === "stream") throw label !== null ? notAFile(label, path, found.what) : new UnsafePathError(path, "is a pipe or a device, not a rotated log file", REGULAR_FILE_HINT);
    return openRead(found.dir, found.name);
  } catch (error) {
    throw deniedOr(error, path);
  } finally {
    found.dir.close();
  }
}

// EACCES in words: a log is tsvisor's and its program's to read (0640), not every user's.
function deniedOr(error: unknown, path: string): unknown {
  if (!isErrno(error, "EACCES") && !isErrno(error, "EPERM")) return error;
  return new TsvisorError("LOG_UNREADABLE", `cannot read ${path}: permission denied`, "a log file is readable by root and by the program's user (mode 0640): run tsvisor logs as one of them");
}

// Device and inode of what stands at `path` (a link's own, not its target's); null when nothing does.
function statIfExists(path: string): { ino: number; dev: number } | null {
  try {
    const { dir, name } = openParent(path);
    try {
      return dir.lstat(name);
    } finally {
      dir.close();
    }
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
}

// "web's stdout goes to /dev/stdout, tsvisor's own stdout, not to a file": and where the lines are instead.
function notAFile(label: string, path: string, what: StreamKind): TsvisorError {
  const [is, hint] =
    what.type === "fifo" ? ["a named pipe", "its lines go to whatever reads that pipe"]
    : what.type === "char-device" ? ["a character device", "its lines go to that device as they come"]
    : what.fd === 1 || what.fd === 2 ? [`tsvisor's own ${what.fd === 1 ? "stdout" : "stderr"}`, "its lines are in tsvisor run's own output: docker logs, journalctl, or the terminal it runs in"]
    : ["an open file of tsvisor's (a /proc/self/fd link)", "its lines go wherever that file descriptor of tsvisor run leads"];
  const where = label === path ? `${path} is ${is}, not a file` : `${label} goes to ${path}, ${is}, not to a file`;
  return new TsvisorError("LOG_NOT_A_FILE", `${where}: no lines are kept there to read back`, hint);
}
