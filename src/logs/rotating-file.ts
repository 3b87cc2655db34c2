// One log file that rotates by size (name.log -> name.log.1 -> ... -> name.log.N, the oldest dropped)
// at a line boundary, and that never throws on a write: when the disk is full or failing, the lines
// are dropped and counted, and the next write tries again, so writing resumes by itself.
import { closeSync, fchownSync, fstatSync, ftruncateSync, mkdirSync, openSync, renameSync, writeSync, constants } from "node:fs";
import { dirname } from "node:path";
import { countLines } from "./line-splitter.ts";

export interface RotatingFileOptions {
  path: string;
  /** Rotate before the file would grow past this many bytes; 0: never. */
  maxBytes: number;
  /** Rotated files kept; 0: the file is emptied instead of rotated (supervisord). */
  backups: number;
  /** Owner of a new file (the program's user), so that user can read its own log; null: tsvisor's. */
  owner?: { uid: number; gid: number } | null;
  /** Told when writing starts failing (with the reason) and when it works again (with the lines lost). */
  onTrouble?: (event: TroubleEvent) => void;
}

export type TroubleEvent =
  | { type: "failing"; reason: string } // lines are being dropped from now on
  | { type: "recovered"; droppedLines: number } // writing works again
  | { type: "warning"; reason: string }; // nothing lost, but not as configured

// Every open log file, so that USR2 (an external logrotate) can reopen them all.
const OPEN_FILES = new Set<RotatingFile>();

/** Reopen every open log file at its path (after an external `mv`); returns how many. */
export function reopenLogFiles(): number {
  for (const file of OPEN_FILES) file.reopen();
  return OPEN_FILES.size;
}

const NEWLINE = 10;
// Do not retry a failed open more often than this: each try is a mkdir and an open.
const REOPEN_INTERVAL_MS = 1000;
// How often a write checks that the open file still has a name (an fstat): a removed file or log
// directory would otherwise swallow every line, unseen, until the next rotation.
const UNLINK_CHECK_INTERVAL_MS = 1000;

export class RotatingFile {
  private fd: number | null = null;
  private size = 0;
  private failing: string | null = null;
  private droppedSinceTrouble = 0;
  private nextOpenAt = 0;
  private rotationBroken = false;
  private nextUnlinkCheckAt = 0;
  /** Lines dropped since the file was created (full disk, I/O error, unwritable path). */
  droppedLines = 0;

  constructor(private readonly options: RotatingFileOptions) {
    this.open();
    OPEN_FILES.add(this);
  }

  get path(): string {
    return this.options.path;
  }

  /**
   * Append a piece of whole lines (or a piece of an overlong line). The file is rotated first when the
   * piece would take it past maxBytes, cutting the piece after its last line that still fits.
   */
  write(data: Uint8Array): void {
    if (this.fd === null && !this.retryOpen()) return this.drop(data, 0);
    if (this.removed()) this.reopen();
    if (this.fd === null) return this.drop(data, 0);
    const maxBytes = this.rotationBroken ? 0 : this.options.maxBytes;
    let offset = 0;
    while (offset < data.length) {
      let end = data.length;
      if (maxBytes > 0 && this.size + (end - offset) > maxBytes) {
        const room = maxBytes - this.size;
        const cut = room > 0 ? data.lastIndexOf(NEWLINE, offset + room - 1) : -1;
        if (cut >= offset) {
          end = cut + 1;
        } else if (this.size > 0) {
          // not even the next line fits: it starts the next file
          if (!this.rotate()) return this.drop(data, offset);
          continue;
        } else {
          end = offset + maxBytes; // one line longer than a whole file: cut it
        }
      }
      if (!this.writeRange(data, offset, end)) return;
      offset = end;
    }
    if (this.failing !== null) this.recovered();
  }

  /** Close and open the path again: after `mv name.log name.log.old`, writing goes to a new name.log. */
  reopen(): void {
    this.rotationBroken = false;
    this.closeFd();
    this.open();
  }

  close(): void {
    this.closeFd();
    OPEN_FILES.delete(this);
  }

  // Write data[start, end) completely, or drop what could not be written (and the partial line it leaves).
  private writeRange(data: Uint8Array, start: number, end: number): boolean {
    let at = start;
    try {
      while (at < end) {
        const n = writeSync(this.fd!, data, at, end - at);
        at += n;
        this.size += n;
      }
      return true;
    } catch (error) {
      // A line cut in two by a full disk would be glued to whatever comes next: take its start back out.
      const lineStart = at > start && data[at - 1] !== NEWLINE ? Math.max(start, data.lastIndexOf(NEWLINE, at - 1) + 1) : at;
      if (lineStart < at) this.truncate(this.size - (at - lineStart));
      this.drop(data, lineStart, describe(error));
      return false;
    }
  }

  private drop(data: Uint8Array, from: number, reason = this.failing ?? "not writable"): void {
    const lines = countLines(data.subarray(from));
    this.droppedLines += lines;
    this.droppedSinceTrouble += lines;
    if (this.failing === null) {
      this.failing = reason;
      this.options.onTrouble?.({ type: "failing", reason });
    }
  }

  private recovered(): void {
    const droppedLines = this.droppedSinceTrouble;
    this.failing = null;
    this.droppedSinceTrouble = 0;
    this.options.onTrouble?.({ type: "recovered", droppedLines });
  }

  // name.log.(N-1) -> .N, ..., name.log -> .1, then a new name.log. False when no file is open after it.
  private rotate(): boolean {
    const { path, backups } = this.options;
    this.closeFd();
    try {
      for (let i = backups - 1; i >= 1; i--) renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
      if (backups > 0) renameSync(path, `${path}.1`);
    } catch (error) {
      // Keep appending past maxBytes rather than lose lines; try again after the next reopen.
      this.rotationBroken = true;
      this.options.onTrouble?.({ type: "warning", reason: `can't rotate, writing on past maxbytes: ${describe(error)}` });
      return this.open();
    }
    return this.open(backups === 0);
  }

  private open(truncate = false): boolean {
    const { path, owner } = this.options;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (truncate ? constants.O_TRUNC : 0);
      const fd = openSync(path, flags, 0o640);
      if (owner) chownQuietly(fd, owner);
      this.fd = fd;
      this.size = fstatSync(fd).size;
      return true;
    } catch (error) {
      this.fd = null;
      this.nextOpenAt = Date.now() + REOPEN_INTERVAL_MS;
      const reason = `can't open: ${describe(error)}`;
      if (this.failing === null) this.options.onTrouble?.({ type: "failing", reason });
      this.failing = reason;
      return false;
    }
  }

  // The open file was unlinked (its directory removed, or `rm name.log`), checked once a second.
  private removed(): boolean {
    const now = Date.now();
    if (now < this.nextUnlinkCheckAt || this.fd === null) return false;
    this.nextUnlinkCheckAt = now + UNLINK_CHECK_INTERVAL_MS;
    try {
      return fstatSync(this.fd).nlink === 0;
    } catch {
      return false;
    }
  }

  private retryOpen(): boolean {
    return Date.now() >= this.nextOpenAt && this.open();
  }

  private truncate(size: number): void {
    try {
      ftruncateSync(this.fd!, size);
      this.size = size;
    } catch {
      // the partial line stays; nothing else can be done about it
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // EIO on close loses nothing more than the failed writes already counted
    }
    this.fd = null;
  }
}

// Giving the file to the program's user is a courtesy: failing at it (no root) loses nothing.
function chownQuietly(fd: number, owner: { uid: number; gid: number }): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch {
    // EPERM
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

// "ENOSPC (no space left on device)"
function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const text = (e.message ?? String(error)).replace(/^\w+: /, "").replace(/, \w+\b.*$/, "");
  return e.code ? `${e.code} (${text.toLowerCase()})` : text;
}
