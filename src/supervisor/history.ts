// One process's history: its last samples (CPU, memory, health), a coarser day of them, and its last
// events (starts and why, exits, stops by hand, FATAL, health turns), each in a ring of typed arrays.
// All of them are views of one buffer that grows with what is recorded, up to HISTORY_BYTES however
// long tsvisor runs: a ring doubles its slots until it holds its last SAMPLE_SLOTS, BUCKET_SLOTS or
// EVENT_SLOTS entries, then wraps. Nothing is allocated per sample but those few doublings, and a
// program that never ran costs nothing. Pure: time arrives as `now`.
//
//   samples  the last SAMPLE_SLOTS samples, one per sample_interval (an hour at the default 5 s)
//   buckets  one point per BUCKET_MS of samples (mean and highest CPU, highest memory, worst health):
//            the last BUCKET_SLOTS of them, a day; a bucket is kept once it is over
//   events   the last EVENT_SLOTS events
//
// Memory is kept in KiB (what /proc gives: PSS in kB, RSS in pages), exactly up to 1 TiB. CPU percent
// is kept as a Float16: three significant digits (0.05 at 100 %), where the control protocol gives
// one decimal. Times and bucket numbers are kept as differences from the entry before.

export const SAMPLE_SLOTS = 720;
export const BUCKET_MS = 120_000;
export const BUCKET_SLOTS = 720;
export const EVENT_SLOTS = 128;

/** A health check's verdict at a sample; null without a check. */
export type HealthName = "starting" | "healthy" | "unhealthy";
// Ordered by how bad: a bucket keeps the worst verdict of its samples.
const HEALTH_CODES: readonly (HealthName | null)[] = [null, "healthy", "starting", "unhealthy"];

/** What happened to a process, in the order the events timeline shows. */
export const EVENT_KINDS = ["start", "exit", "spawn_error", "stop", "fatal", "unhealthy", "healthy"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * Why a process was started: `start` (autostart or by hand), `by_hand` (a restart by hand), `crash`
 * (autorestart after an unexpected exit), `exit` (autorestart = true after an expected exit), `retry`
 * (from BACKOFF after a failed start), `unhealthy`, `max_memory`, `max_runtime` (tsvisor's own restarts).
 */
export const START_CAUSES = ["start", "by_hand", "crash", "exit", "retry", "unhealthy", "max_memory", "max_runtime"] as const;
export type StartCause = (typeof START_CAUSES)[number];

/** One event as it is recorded; `signal` is the signal's number (a name would need a string per event). */
export type HistoryEvent =
  | { kind: "start"; pid: number; cause: StartCause }
  | { kind: "exit"; pid: number; code: number | null; signal: number | null; expected: boolean }
  | { kind: "spawn_error"; cause: StartCause }
  | { kind: "stop" | "fatal" | "unhealthy" | "healthy" };

/** An event as read back: every field present, null where it does not apply. */
export interface EventEntry {
  time: number;
  kind: EventKind;
  pid: number | null;
  cause: StartCause | null;
  code: number | null;
  signal: number | null;
  expected: boolean | null;
}

/** What read() returns: columns of equal length, oldest first. */
export interface HistoryData {
  samples: { time: number[]; cpuPercent: (number | null)[]; memoryBytes: number[]; health: (HealthName | null)[] };
  /** `time` is the start of each bucket. */
  buckets: { time: number[]; cpuPercent: (number | null)[]; cpuMaxPercent: (number | null)[]; memoryBytes: number[]; health: (HealthName | null)[] };
  events: EventEntry[];
}

// Every column, largest element first, so that each view starts aligned to its element size: a ring's
// slot count is always a multiple of 8 (FIRST_SLOTS), so each column's length in bytes is too.
// A full history fits 16 KiB, the allocator's size class below the next at 20 KiB (a buffer of
// 16,384 bytes costs 18.0 KB of RSS, one of 16,500 to 20,480 bytes 22.1 KB; docs/performance.md).
const SAMPLE_COLUMNS = [Int32Array, Uint32Array, Float16Array] as const; // ms since the sample before, memory KiB and health, CPU
const BUCKET_COLUMNS = [Uint32Array, Float16Array, Float16Array, Int16Array] as const; // highest memory KiB and worst health, mean and highest CPU, buckets since the one before
const EVENT_COLUMNS = [Float64Array, Int32Array, Int16Array, Uint8Array] as const; // time, pid, exit code or minus the signal, kind and cause or exit flags

type Column = Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Float16Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Int16Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;
type ColumnKind = { new (buffer: ArrayBuffer, offset: number, length: number): Column; BYTES_PER_ELEMENT: number };
const entryBytes = (columns: readonly ColumnKind[]): number => columns.reduce((sum, kind) => sum + kind.BYTES_PER_ELEMENT, 0);

/** What a process's history holds in typed arrays once every ring is full (a day of samples); its bound. */
export const HISTORY_BYTES = SAMPLE_SLOTS * entryBytes(SAMPLE_COLUMNS) + BUCKET_SLOTS * entryBytes(BUCKET_COLUMNS) + EVENT_SLOTS * entryBytes(EVENT_COLUMNS);

// A ring's slots start at FIRST_SLOTS and double up to its capacity, so that a process costs what it
// has recorded: an hour passes before its samples are full, a day before its buckets, and most
// processes never have 128 events. (Every count is a multiple of 8, as the columns' alignment needs.)
const FIRST_SLOTS = 16;

// Float16 holds up to 65,504: CPU percent beyond that (655 cores busy) is kept as the highest it can hold.
const FLOAT16_MAX = 65_504;
const cpuValue = (percent: number): number => Math.min(percent, FLOAT16_MAX);

// Memory in KiB and a health code in one Uint32: the code in the top two bits, so memory up to
// 1 TiB (a tree's PSS beyond that is kept as 1 TiB).
const KIB_MAX = 0x3fff_ffff;
const withHealth = (kib: number, health: number): number => health * 2 ** 30 + kib;
const kibOf = (packed: number): number => packed & KIB_MAX;
const healthOf = (packed: number): HealthName | null => HEALTH_CODES[packed >>> 30] ?? null;

// An event's kind (7 of them) in the low three bits, its flags (a start cause, 8 of them, or 1 for an
// expected exit) above.
const withFlags = (kind: number, flags: number): number => kind | (flags << 3);

// A difference from the entry before, in a column of `bits`: one beyond what it holds is kept as the most it holds.
const clampTo = (bits: number, n: number): number => Math.max(-(2 ** (bits - 1)), Math.min(n, 2 ** (bits - 1) - 1));

// A ring's columns before it first grows: zero-length, never written, shared by every history, so
// that a new history allocates no views it drops at its first entry (start-up's short-lived objects
// are what leaves the collector's blocks partly empty at 1,000 programs; docs/performance.md).
const NONE = {
  int32: new Int32Array(0),
  uint32: new Uint32Array(0),
  float16: new Float16Array(0),
  float64: new Float64Array(0),
  int16: new Int16Array(0),
  uint8: new Uint8Array(0),
};

// Where the next entry of a ring goes, and which slot holds the k-th oldest. Until it reaches its
// capacity a ring grows instead of wrapping: its columns are copied oldest first into a larger buffer.
class Ring {
  private next = 0;
  size = 0;
  slots = 0;
  constructor(readonly capacity: number, readonly columnKinds: readonly ColumnKind[]) {}

  get needsRoom(): boolean {
    return this.size === this.slots && this.slots < this.capacity;
  }

  /** The slot count after the next growth. */
  get grownSlots(): number {
    return Math.min(Math.max(FIRST_SLOTS, this.slots * 2), this.capacity);
  }

  push(): number {
    const slot = this.next;
    this.next = (slot + 1) % this.slots;
    if (this.size < this.slots) this.size++;
    return slot;
  }

  slot(k: number): number {
    return (this.next - this.size + k + this.slots) % this.slots;
  }

  // New columns of `slots` slots, views of `carver`'s buffer, holding this ring's entries oldest first.
  moveTo(carver: Carver, slots: number, columns: readonly Column[]): Column[] {
    const moved = this.columnKinds.map((kind) => carver.take(kind, slots));
    if (this.size === 0) {
      this.slots = slots;
      return moved;
    }
    const start = this.slot(0);
    const firstPart = Math.min(this.size, this.slots - start);
    moved.forEach((to, c) => {
      const from = columns[c]!;
      to.set(from.subarray(start, start + firstPart) as never);
      to.set(from.subarray(0, this.size - firstPart) as never, firstPart);
    });
    this.slots = slots;
    this.next = this.size % slots;
    return moved;
  }

  // The values after `since` of a column kept as differences from the entry before (`newest` the
  // newest's in full), oldest first: found from the newest back, as firstAfter finds its entries.
  valuesAfter(newest: number, differences: Int32Array | Int16Array, isAfter: (value: number) => boolean): number[] {
    const values: number[] = [];
    let value = newest;
    for (let k = this.size - 1; k >= 0 && isAfter(value); k--) {
      values.push(value);
      value -= differences[this.slot(k)]!;
    }
    return values.reverse();
  }

  // The first k whose time is after `since`, looked for from the newest back: a reader that asks
  // for what is new costs what is new, not the whole ring. (After a clock set back, what came before
  // the jump and after `since` is not found; it is still in the ring for a reader from 0.)
  firstAfter(since: number, time: (slot: number) => number): number {
    let k = this.size;
    while (k > 0 && time(this.slot(k - 1)) > since) k--;
    return k;
  }
}

// Views of one buffer, handed out one after the other.
class Carver {
  readonly buffer: ArrayBuffer;
  private offset = 0;
  constructor(bytes: number) {
    this.buffer = new ArrayBuffer(bytes);
  }
  take(kind: ColumnKind, length: number): Column {
    const view = new kind(this.buffer, this.offset, length);
    this.offset += length * kind.BYTES_PER_ELEMENT;
    return view;
  }
}

class Samples {
  readonly ring = new Ring(SAMPLE_SLOTS, SAMPLE_COLUMNS);
  // Times are kept as the milliseconds since the sample before (the newest's in full): samples come
  // every sample_interval, so the difference fits in an Int32 where a time needs a Float64. A gap
  // beyond 24.8 days (a program stopped that long) is kept as 24.8 days.
  newestTime = 0;
  sinceBefore: Int32Array<ArrayBuffer> = NONE.int32;
  kibAndHealth: Uint32Array<ArrayBuffer> = NONE.uint32;
  cpu: Float16Array<ArrayBuffer> = NONE.float16; // NaN: not known (the first sample of a process)
  get columns(): Column[] {
    return [this.sinceBefore, this.kibAndHealth, this.cpu];
  }
  set columns(c: Column[]) {
    [this.sinceBefore, this.kibAndHealth, this.cpu] = c as [Int32Array<ArrayBuffer>, Uint32Array<ArrayBuffer>, Float16Array<ArrayBuffer>];
  }
}

class Buckets {
  readonly ring = new Ring(BUCKET_SLOTS, BUCKET_COLUMNS);
  // Bucket numbers are kept as the buckets since the one before (the newest's in full): a gap beyond
  // 45 days, or a clock set back that far, is kept as 45 days.
  newestNumber = 0;
  kibAndHealth: Uint32Array<ArrayBuffer> = NONE.uint32;
  cpu: Float16Array<ArrayBuffer> = NONE.float16;
  cpuMax: Float16Array<ArrayBuffer> = NONE.float16;
  sinceBefore: Int16Array<ArrayBuffer> = NONE.int16;
  get columns(): Column[] {
    return [this.kibAndHealth, this.cpu, this.cpuMax, this.sinceBefore];
  }
  set columns(c: Column[]) {
    [this.kibAndHealth, this.cpu, this.cpuMax, this.sinceBefore] = c as [Uint32Array<ArrayBuffer>, Float16Array<ArrayBuffer>, Float16Array<ArrayBuffer>, Int16Array<ArrayBuffer>];
  }
}

class Events {
  readonly ring = new Ring(EVENT_SLOTS, EVENT_COLUMNS);
  time: Float64Array<ArrayBuffer> = NONE.float64;
  pid: Int32Array<ArrayBuffer> = NONE.int32;
  value: Int16Array<ArrayBuffer> = NONE.int16; // exit: the code (0-255), or minus the signal's number
  kindAndFlags: Uint8Array<ArrayBuffer> = NONE.uint8; // withFlags(); flags: start, spawn_error: the cause; exit: 1 when expected
  get columns(): Column[] {
    return [this.time, this.pid, this.value, this.kindAndFlags];
  }
  set columns(c: Column[]) {
    [this.time, this.pid, this.value, this.kindAndFlags] = c as [Float64Array<ArrayBuffer>, Int32Array<ArrayBuffer>, Int16Array<ArrayBuffer>, Uint8Array<ArrayBuffer>];
  }
}

// The three rings of a history, in one buffer (one allocation rather than one per column: each small
// array was rounded up to the heap's size classes, 13 KB more per process, measured by
// bench/top.bench.ts). When a ring needs room, the whole buffer is allocated again, larger.
class Rings {
  readonly samples = new Samples();
  readonly buckets = new Buckets();
  readonly events = new Events();
  byteLength = 0;

  /** Room for one more entry in `part`'s ring: the buffer grows when that ring is full below its capacity. */
  roomIn(part: Samples | Buckets | Events): void {
    if (!part.ring.needsRoom) return;
    const parts = [this.samples, this.buckets, this.events];
    const slots = parts.map((p) => (p === part ? p.ring.grownSlots : p.ring.slots));
    const bytes = parts.reduce((sum, p, i) => sum + slots[i]! * entryBytes(p.ring.columnKinds), 0);
    const carver = new Carver(bytes);
    parts.forEach((p, i) => (p.columns = p.ring.moveTo(carver, slots[i]!, p.columns)));
    this.byteLength = bytes;
  }
}

// The bucket being filled: its sums, kept as plain numbers until it is over. One per history, reused
// from bucket to bucket; `number` -1 while no sample is in it.
interface OpenBucket {
  number: number;
  cpuSum: number;
  cpuCount: number;
  cpuMax: number;
  kib: number;
  health: number;
}

export class ProcessHistory {
  private rings: Rings | null = null;
  private readonly open: OpenBucket = { number: -1, cpuSum: 0, cpuCount: 0, cpuMax: Number.NaN, kib: 0, health: 0 };
  /** Why the start under way began, from the step that asked for the spawn until its outcome is recorded. */
  startCause: StartCause = "start";

  /** One sample of the live process; `cpuPercent` is null on a process's first sample. */
  addSample(now: number, cpuPercent: number | null, memoryBytes: number, health: HealthName | null): void {
    const rings = (this.rings ??= new Rings());
    const s = rings.samples;
    rings.roomIn(s);
    const slot = s.ring.push();
    const kib = Math.min(Math.round(memoryBytes / 1024), KIB_MAX);
    const code = HEALTH_CODES.indexOf(health);
    const time = Math.round(now);
    s.sinceBefore[slot] = s.ring.size === 1 ? 0 : clampTo(32, time - s.newestTime);
    s.newestTime = time;
    s.cpu[slot] = cpuPercent === null ? Number.NaN : cpuValue(cpuPercent);
    s.kibAndHealth[slot] = withHealth(kib, code);
    this.addToBucket(Math.floor(now / BUCKET_MS), cpuPercent, kib, code);
  }

  addEvent(now: number, event: HistoryEvent): void {
    const rings = (this.rings ??= new Rings());
    const e = rings.events;
    rings.roomIn(e);
    const slot = e.ring.push();
    e.time[slot] = now;
    const flags = event.kind === "start" || event.kind === "spawn_error" ? START_CAUSES.indexOf(event.cause) : event.kind === "exit" && event.expected ? 1 : 0;
    e.kindAndFlags[slot] = withFlags(EVENT_KINDS.indexOf(event.kind), flags);
    e.pid[slot] = "pid" in event ? event.pid : 0;
    e.value[slot] = event.kind === "exit" ? (event.signal !== null ? -event.signal : event.code!) : 0;
  }

  /** Everything recorded after `since` (ms since the epoch; 0: everything), oldest first. */
  read(since = 0): HistoryData {
    return { samples: this.readSamples(since), buckets: this.readBuckets(since), events: this.readEvents(since) };
  }

  /** Bytes held in typed arrays: 0 before the first sample or event, growing with what is recorded up to HISTORY_BYTES. */
  get byteSize(): number {
    return this.rings?.byteLength ?? 0;
  }

  // Samples go into the bucket of their time; a sample in another bucket closes the open one. A clock
  // set back only starts a new bucket: readers take the rings in order, not sorted.
  private addToBucket(number: number, cpuPercent: number | null, kib: number, health: number): void {
    const b = this.open;
    if (b.number !== number) {
      if (b.number !== -1) this.closeBucket(b);
      b.number = number;
      b.cpuSum = b.cpuCount = b.kib = b.health = 0;
      b.cpuMax = Number.NaN;
    }
    if (cpuPercent !== null) {
      b.cpuSum += cpuPercent;
      b.cpuCount++;
      b.cpuMax = Number.isNaN(b.cpuMax) ? cpuPercent : Math.max(b.cpuMax, cpuPercent);
    }
    b.kib = Math.max(b.kib, kib);
    b.health = Math.max(b.health, health);
  }

  private closeBucket(open: OpenBucket): void {
    const rings = this.rings!; // a bucket closes on a sample: the rings exist
    const b = rings.buckets;
    rings.roomIn(b);
    const slot = b.ring.push();
    b.sinceBefore[slot] = b.ring.size === 1 ? 0 : clampTo(16, open.number - b.newestNumber);
    b.newestNumber = open.number;
    b.cpu[slot] = open.cpuCount > 0 ? cpuValue(open.cpuSum / open.cpuCount) : Number.NaN;
    b.cpuMax[slot] = cpuValue(open.cpuMax);
    b.kibAndHealth[slot] = withHealth(open.kib, open.health);
  }

  private readSamples(since: number): HistoryData["samples"] {
    const out: HistoryData["samples"] = { time: [], cpuPercent: [], memoryBytes: [], health: [] };
    if (this.rings === null) return out;
    const s = this.rings.samples;
    out.time = s.ring.valuesAfter(s.newestTime, s.sinceBefore, (time) => time > since);
    for (let k = s.ring.size - out.time.length; k < s.ring.size; k++) {
      const i = s.ring.slot(k);
      out.cpuPercent.push(known(s.cpu[i]!));
      out.memoryBytes.push(kibOf(s.kibAndHealth[i]!) * 1024);
      out.health.push(healthOf(s.kibAndHealth[i]!));
    }
    return out;
  }

  private readBuckets(since: number): HistoryData["buckets"] {
    const out: HistoryData["buckets"] = { time: [], cpuPercent: [], cpuMaxPercent: [], memoryBytes: [], health: [] };
    if (this.rings === null) return out;
    const b = this.rings.buckets;
    out.time = b.ring.valuesAfter(b.newestNumber, b.sinceBefore, (number) => number * BUCKET_MS > since).map((number) => number * BUCKET_MS);
    for (let k = b.ring.size - out.time.length; k < b.ring.size; k++) {
      const i = b.ring.slot(k);
      out.cpuPercent.push(known(b.cpu[i]!));
      out.cpuMaxPercent.push(known(b.cpuMax[i]!));
      out.memoryBytes.push(kibOf(b.kibAndHealth[i]!) * 1024);
      out.health.push(healthOf(b.kibAndHealth[i]!));
    }
    return out;
  }

  private readEvents(since: number): EventEntry[] {
    const out: EventEntry[] = [];
    if (this.rings === null) return out;
    const e = this.rings.events;
    for (let k = e.ring.firstAfter(since, (i) => e.time[i]!); k < e.ring.size; k++) {
      const i = e.ring.slot(k);
      const kind = EVENT_KINDS[e.kindAndFlags[i]! & 7]!;
      const flags = e.kindAndFlags[i]! >>> 3;
      const value = e.value[i]!;
      const started = kind === "start" || kind === "spawn_error";
      out.push({
        time: e.time[i]!, kind, pid: kind === "start" || kind === "exit" ? e.pid[i]! : null, cause: started ? START_CAUSES[flags]! : null,
        code: kind === "exit" && value >= 0 ? value : null, signal: kind === "exit" && value < 0 ? -value : null, expected: kind === "exit" ? flags === 1 : null,
      });
    }
    return out;
  }
}

const known = (n: number): number | null => (Number.isNaN(n) ? null : n);
