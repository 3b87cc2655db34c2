// One log file that rotates by size (name.log -> name.log.1 -> ... -> name.log.N, the oldest dropped)
// at a line boundary, and that never throws on a write: when the disk is full or failing, the lines
// are dropped and counted, and the next write tries again, so writing resumes by itself.
// It is opened, created, renamed and emptied only through os/safe-open.ts: never through a link or
// into a directory someone else put in the path's place, and only ever a regular file of one name.
import { close, closeSync, fstatSync, ftruncateSync, writeSync, type Stats } from "node:fs";
import { fdShortageFor } from "../os/fd-budget.ts";
import { endBeforeStretch, isErrno, openAppend, openParent, type SafeDir } from "../os/safe-open.ts";
import { LineLoss, describeFailure, type TroubleEvent } from "./line-loss.ts";
import { trackOpenLog, untrackOpenLog } from "./open-logs.ts";

export interface RotatingFileOptions {
  path: string;
  /** Rotate before the file would grow past this many bytes; 0: never. */
  maxBytes: number;
  /** Rotated files kept; 0: the file is emptied instead of rotated (supervisord). */
  backups: number;
  /** Owner of a file this creates (the program's user), so that user can read its own log; null: tsvisor's. */
  owner?: { uid: number; gid: number } | null;
  /** Told when writing starts failing (with the reason) and when it works again (with the lines lost). */
  onTrouble?: (event: TroubleEvent) => void;
}

const NEWLINE = 10;
// Do not retry a failed open more often than this: each try walks the path and opens.
const REOPEN_INTERVAL_MS = 1000;
// After a failed rotation the file is written on past maxbytes for this long before rotation is
// tried again: a name blocked among the backups (a directory someone put there) would otherwise make
// every write walk the path and rename, or, if never tried again, let the file grow without bound.
const ROTATE_RETRY_MS = 1000;
// How often a write checks that the open file still has a name (an fstat): a removed file or log
// directory would otherwise swallow every line, unseen, until the next rotation.
const UNLINK_CHECK_INTERVAL_MS = 1000;
const FILE_MODE = 0o640;
/** Dropped backups held open until a pool thread has closed (and so freed) them, across all files. */
const MAX_CLOSING = 8;
let closing = 0;
/**
 * A backup that cannot be held (MAX_CLOSING wait already, or descriptors are short) is freed by the
 * rename when it holds no more disk than its log's own backups do (maxBytes and this); a larger one
 * was put there by someone else, and freeing it here stalled every program's output and the control
 * socket for seconds (red team, 2026-12-06: 20 MB files at the backup names of 1 KB logs on a disk
 * that frees slowly): its rotation waits, the file written on past maxBytes meanwhile. Allocated, not
 * st_size: a file of size 0 can hold 128 MB of blocks past its end (fallocate KEEP_SIZE).
 */
const FREED_HERE_SLACK_BYTES = 1024 * 1024;
/** How long a rotation that waits for a backup's turn to be freed puts off its next try. */
const WAIT_FOR_CLOSING_MS = 100;
const allocatedBytes = (stat: Stats): number => stat.blocks * 512;

export class RotatingFile {
  private fd: number | null = null;
  private size = 0;
  private nextOpenAt = 0;
  /** While rotation fails: when to try it again (writing on past maxBytes until then); 0 otherwise. */
  private rotateAgainAt = 0;
  private rotationFailing = false;
  private nextUnlinkCheckAt = 0;
  private readonly loss: LineLoss;

  constructor(private readonly options: RotatingFileOptions) {
    this.loss = new LineLoss(options.onTrouble);
    this.open();
    trackOpenLog(this);
  }

  get path(): string {
    return this.options.path;
  }

  /** Lines dropped since the file was created (full disk, I/O error, unwritable or refused path). */
  get droppedLines(): number {
    return this.loss.droppedLines;
  }

  /**
   * Append a piece of whole lines (or a piece of an overlong line). The file is rotated first when the
   * piece would take it past maxBytes, cutting the piece after its last line that still fits.
   */
  write(data: Uint8Array): void {
    if (this.fd === null && !this.retryOpen()) return this.drop(data, 0);
    if (this.removed()) this.reopen();
    if (this.fd === null) return this.drop(data, 0);
    let offset = 0;
    while (offset < data.length) {
      // asked again after each piece: a rotation that failed within this write defers the next one
      const maxBytes = this.rotationDeferred() ? 0 : this.options.maxBytes;
      let end = data.length;
      // The size counted is what tsvisor wrote; before rotating, ask the file, which may have been
      // emptied from outside (`: > name.log`) since. Once per rotation, not per write.
      if (maxBytes > 0 && this.size + (end - offset) > maxBytes) this.size = fstatSync(this.fd!).size;
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
    this.loss.wrote();
  }

  /** Close and open the path again: after `mv name.log name.log.old`, writing goes to a new name.log. */
  reopen(): void {
    this.rotateAgainAt = 0; // a file that failed to rotate is tried at once
    this.closeFd();
    this.open();
  }

  close(): void {
    this.closeFd();
    untrackOpenLog(this);
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
      if (lineStart < at) this.takeBack(at - lineStart);
      this.loss.drop(data, describeFailure(error), lineStart);
      return false;
    }
  }

  private drop(data: Uint8Array, from: number): void {
    this.loss.drop(data, this.loss.failing ?? "not writable", from);
  }

  // name.log.(N-1) -> .N, ..., name.log -> .1, then a new name.log, all inside the directory the walk
  // opened. False when no file is open after it. The file written so far stays open until the new one
  // is opened: a rotation that fails before (the walk short of descriptors, a rename refused) writes on
  // in it, where closing it first left no file to write lines to when it could not be opened again.
  private rotate(): boolean {
    const { path, backups } = this.options;
    const written = fstatSync(this.fd!);
    let place: { dir: SafeDir; name: string };
    try {
      place = openParent(path, { create: true });
    } catch (error) {
      return this.cannotRotate(error);
    }
    const { dir, name } = place;
    try {
      // Only the file written so far is rotated: one moved away meanwhile (logrotate) is not ours to rename.
      const current = dir.lstat(name);
      const ours = current !== null && current.ino === written.ino && current.dev === written.dev;
      if (ours && backups > 0) {
        const free = firstFreeBackup(dir, name, backups);
        const dropsOldest = free > backups;
        const oldest = dropsOldest ? this.holdOldest(dir, `${name}.${backups}`) : null;
        if (oldest === "wait") {
          this.rotateAgainAt = Date.now() + WAIT_FOR_CLOSING_MS; // written on past maxBytes meanwhile
          return true;
        }
        try {
          // Every name renamed to was found free, but for the oldest when it is dropped: something put
          // there since is not replaced (nor freed in this thread), and the rotation is tried again later.
          // With one backup the file's own rename is the one over the oldest.
          const overOldest = (to: number) => dropsOldest && to === backups;
          for (let i = Math.min(free, backups) - 1; i >= 1; i--) renameIfExists(dir, `${name}.${i}`, `${name}.${i + 1}`, !overOldest(i + 1));
          if (overOldest(1)) dir.rename(name, `${name}.1`);
          else dir.renameNoReplace(name, `${name}.1`);
        } finally {
          if (typeof oldest === "number") close(oldest, () => void closing--);
        }
      }
      this.closeFd();
      const opened = this.openIn(dir, name, ours && backups === 0);
      if (opened) this.rotated();
      return opened;
    } catch (error) {
      return this.cannotRotate(error);
    } finally {
      dir.close();
    }
  }

  // The oldest backup goes when the next one is renamed over it, and the kernel frees its blocks then,
  // in the renaming thread: 36 ms for a 50 MB file on ext4 (its pages still being written back), which
  // stalled every program's output and the control socket at every rotation. Held open, it loses only
  // its name there; the last close, on Bun's thread pool, frees it. At most MAX_CLOSING wait to be
  // freed (a tiny maxbytes rotates thousands of times a second, and a slow disk frees slowly:
  // unbounded, they took the descriptors, red team), and only while descriptors are not short
  // (os/fd-budget.ts); otherwise see FREED_HERE_SLACK_BYTES. null: freed by the rename.
  private holdOldest(dir: SafeDir, oldest: string): number | "wait" | null {
    if (closing < MAX_CLOSING && fdShortageFor("heldBackup") === null) {
      const fd = dir.hold(oldest);
      if (fd !== null) closing++;
      return fd;
    }
    const stat = dir.lstat(oldest);
    return stat !== null && allocatedBytes(stat) > this.options.maxBytes + FREED_HERE_SLACK_BYTES ? "wait" : null;
  }

  // Keep appending past maxBytes rather than lose lines, and try again in a second: said once, until
  // a rotation works again. The file is still open; should it not be (an error past the renames), it
  // is opened again, and when that fails too, that is what is said.
  private cannotRotate(error: unknown): boolean {
    this.rotateAgainAt = Date.now() + ROTATE_RETRY_MS;
    const opened = this.fd !== null || this.open();
    if (opened && !this.rotationFailing) {
      this.rotationFailing = true;
      this.loss.warn(`can't rotate, writing on past maxbytes and trying again every second: ${describeFailure(error)}`);
    }
    return opened;
  }

  private rotated(): void {
    this.rotateAgainAt = 0;
    if (!this.rotationFailing) return;
    this.rotationFailing = false;
    this.loss.settled("rotating again");
  }

  private rotationDeferred(): boolean {
    return this.rotateAgainAt !== 0 && Date.now() < this.rotateAgainAt;
  }

  private open(): boolean {
    try {
      const { dir, name } = openParent(this.options.path, { create: true });
      try {
        return this.openIn(dir, name, false);
      } finally {
        dir.close();
      }
    } catch (error) {
      return this.cannotOpen(error);
    }
  }

  // Open (or create) `name` in `dir`; `empty`: rotation without backups (supervisord empties the file).
  private openIn(dir: SafeDir, name: string, empty: boolean): boolean {
    try {
      const fd = openAppend(dir, name, { mode: FILE_MODE, owner: this.options.owner ?? null });
      if (empty) ftruncateSync(fd, 0); // after the checks: O_TRUNC would empty whatever was there first
      this.fd = fd;
      this.size = fstatSync(fd).size;
      return true;
    } catch (error) {
      return this.cannotOpen(error);
    }
  }

  private cannotOpen(error: unknown): false {
    this.fd = null;
    this.nextOpenAt = Date.now() + REOPEN_INTERVAL_MS;
    this.loss.fail(`can't open: ${describeFailure(error)}`);
    return false;
  }

  // The open file was unlinked (its directory removed, `rm name.log`, or a link put in its place), checked
  // once a second, with the size the file really has.
  private removed(): boolean {
    const now = Date.now();
    if (now < this.nextUnlinkCheckAt || this.fd === null) return false;
    this.nextUnlinkCheckAt = now + UNLINK_CHECK_INTERVAL_MS;
    try {
      const stat = fstatSync(this.fd);
      this.size = stat.size; // emptied or appended to from outside: rotation counts from what is there
      return stat.nlink === 0;
    } catch {
      return false;
    }
  }

  private retryOpen(): boolean {
    return Date.now() >= this.nextOpenAt && this.open();
  }

  // Cut the last `bytes` off the file. Its real end, not the size counted: a file emptied from outside
  // would otherwise be stretched back over a hole of NUL bytes. An emptying that lands between the
  // fstat and the ftruncate (`: > name.log` or `echo > name.log` on a full disk, where a line is taken
  // back at every write) stretches it all the same: the cut is then made again where the file's own
  // bytes end (CI met it once; test/regression/issue/log-emptied-on-full-disk.test.ts).
  private takeBack(bytes: number): void {
    try {
      const size = fstatSync(this.fd!).size - bytes;
      ftruncateSync(this.fd!, size);
      this.size = size;
      const end = endBeforeStretch(this.fd!, size);
      if (end !== null) {
        ftruncateSync(this.fd!, end);
        this.size = end;
      }
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

// The lowest backup number with nothing at its name; backups + 1 when every one is taken (the oldest is
// then dropped). Rotation shifts the backups below it only: one that failed at its last rename (the
// current file append-only, a mount point) had already shifted them all, and trying it again shifted
// them again each second, dropping a backup each time (red team, 2026-12-06); now it finds .1 free and
// only renames the current file. A backup removed by hand is filled in rather than moved up.
function firstFreeBackup(dir: SafeDir, name: string, backups: number): number {
  for (let i = 1; i <= backups; i++) if (dir.lstat(`${name}.${i}`) === null) return i;
  return backups + 1;
}

function renameIfExists(dir: SafeDir, from: string, to: string, toFree: boolean): void {
  try {
    if (toFree) dir.renameNoReplace(from, to);
    else dir.rename(from, to);
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
  }
}
