// One process's history: its last samples (CPU, memory, health), a coarser day of them, and its last
// events (starts and why, exits, stops by hand, FATAL, health turns), each in a ring of typed arrays.
// All of them are views of one buffer, allocated whole on first use and never grown: a process costs
// HISTORY_BYTES however long tsvisor runs (one buffer rather than sixteen arrays: each small array
// was rounded up to the heap's size classes, 13 KB more per process, measured by bench/top.bench.ts),
// and nothing is allocated per sample. A program that never ran costs nothing. Pure: time arrives as `now`.
//
//   samples  the last SAMPLE_SLOTS samples, one per sample_interval (an hour at the default 5 s)
//   buckets  one point per BUCKET_MS of samples (mean and highest CPU, highest memory, worst health):
//            the last BUCKET_SLOTS of them, a day; a bucket is kept once it is over
//   events   the last EVENT_SLOTS events
//
// Memory is kept in KiB (what /proc gives: PSS in kB, RSS in pages), so a Uint32 holds up to 4 TiB exactly.

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

const SAMPLE_BYTES = 8 + 4 + 4 + 1; // time (Float64), CPU (Float32), memory KiB (Uint32), health (Uint8)
const BUCKET_BYTES = 4 + 4 + 4 + 4 + 1; // bucket number (Uint32), mean and highest CPU (Float32), highest memory KiB (Uint32), worst health (Uint8)
const EVENT_BYTES = 8 + 1 + 1 + 4 + 4; // time (Float64), kind, cause or exit flags (Uint8), pid, code or signal (Int32)

/** What a process's history holds in typed arrays once it has its first sample and event; fixed. */
export const HISTORY_BYTES = SAMPLE_SLOTS * SAMPLE_BYTES + BUCKET_SLOTS * BUCKET_BYTES + EVENT_SLOTS * EVENT_BYTES;

// Where the next entry of a ring goes, and which slot holds the k-th oldest.
class Ring {
  private next = 0;
  size = 0;
  constructor(readonly capacity: number) {}

  push(): number {
    const slot = this.next;
    this.next = (slot + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    return slot;
  }

  slot(k: number): number {
    return (this.next - this.size + k + this.capacity) % this.capacity;
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

// Views of one buffer, handed out one after the other. Every column's length in bytes is a multiple
// of 8 (720 and 128 slots), so each view starts aligned to its element size whatever the order.
class Carver {
  readonly buffer = new ArrayBuffer(HISTORY_BYTES);
  private offset = 0;
  take<T>(kind: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }, length: number): T {
    const view = new kind(this.buffer, this.offset, length);
    this.offset += length * kind.BYTES_PER_ELEMENT;
    return view;
  }
}

class Samples {
  readonly ring = new Ring(SAMPLE_SLOTS);
  readonly time: Float64Array;
  readonly cpu: Float32Array; // NaN: not known (the first sample of a process)
  readonly kib: Uint32Array;
  readonly health: Uint8Array;
  constructor(carver: Carver) {
    this.time = carver.take(Float64Array, SAMPLE_SLOTS);
    this.cpu = carver.take(Float32Array, SAMPLE_SLOTS);
    this.kib = carver.take(Uint32Array, SAMPLE_SLOTS);
    this.health = carver.take(Uint8Array, SAMPLE_SLOTS);
  }
}

class Buckets {
  readonly ring = new Ring(BUCKET_SLOTS);
  readonly number: Uint32Array;
  readonly cpu: Float32Array;
  readonly cpuMax: Float32Array;
  readonly kib: Uint32Array;
  readonly health: Uint8Array;
  constructor(carver: Carver) {
    this.number = carver.take(Uint32Array, BUCKET_SLOTS);
    this.cpu = carver.take(Float32Array, BUCKET_SLOTS);
    this.cpuMax = carver.take(Float32Array, BUCKET_SLOTS);
    this.kib = carver.take(Uint32Array, BUCKET_SLOTS);
    this.health = carver.take(Uint8Array, BUCKET_SLOTS);
  }
}

class Events {
  readonly ring = new Ring(EVENT_SLOTS);
  readonly time: Float64Array;
  readonly kind: Uint8Array;
  readonly flags: Uint8Array; // start, spawn_error: the cause; exit: 1 when expected
  readonly pid: Int32Array;
  readonly value: Int32Array; // exit: the code, or minus the signal's number
  constructor(carver: Carver) {
    this.time = carver.take(Float64Array, EVENT_SLOTS);
    this.kind = carver.take(Uint8Array, EVENT_SLOTS);
    this.flags = carver.take(Uint8Array, EVENT_SLOTS);
    this.pid = carver.take(Int32Array, EVENT_SLOTS);
    this.value = carver.take(Int32Array, EVENT_SLOTS);
  }
}

// The three rings of a history, in one buffer.
class Rings {
  readonly samples: Samples;
  readonly buckets: Buckets;
  readonly events: Events;
  readonly byteLength: number;
  constructor() {
    const carver = new Carver();
    this.samples = new Samples(carver);
    this.buckets = new Buckets(carver);
    this.events = new Events(carver);
    this.byteLength = carver.buffer.byteLength;
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
    const s = (this.rings ??= new Rings()).samples;
    const slot = s.ring.push();
    const kib = Math.min(Math.round(memoryBytes / 1024), 0xffff_ffff);
    const code = HEALTH_CODES.indexOf(health);
    s.time[slot] = now;
    s.cpu[slot] = cpuPercent ?? Number.NaN;
    s.kib[slot] = kib;
    s.health[slot] = code;
    this.addToBucket(Math.floor(now / BUCKET_MS), cpuPercent, kib, code);
  }

  addEvent(now: number, event: HistoryEvent): void {
    const e = (this.rings ??= new Rings()).events;
    const slot = e.ring.push();
    e.time[slot] = now;
    e.kind[slot] = EVENT_KINDS.indexOf(event.kind);
    e.flags[slot] = event.kind === "start" || event.kind === "spawn_error" ? START_CAUSES.indexOf(event.cause) : event.kind === "exit" && event.expected ? 1 : 0;
    e.pid[slot] = "pid" in event ? event.pid : 0;
    e.value[slot] = event.kind === "exit" ? (event.signal !== null ? -event.signal : event.code!) : 0;
  }

  /** Everything recorded after `since` (ms since the epoch; 0: everything), oldest first. */
  read(since = 0): HistoryData {
    return { samples: this.readSamples(since), buckets: this.readBuckets(since), events: this.readEvents(since) };
  }

  /** Bytes held in typed arrays: 0 before the first sample or event, HISTORY_BYTES from then on. */
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
    const b = this.rings!.buckets; // a bucket closes on a sample: the rings exist
    const slot = b.ring.push();
    b.number[slot] = open.number;
    b.cpu[slot] = open.cpuCount > 0 ? open.cpuSum / open.cpuCount : Number.NaN;
    b.cpuMax[slot] = open.cpuMax;
    b.kib[slot] = open.kib;
    b.health[slot] = open.health;
  }

  private readSamples(since: number): HistoryData["samples"] {
    const out: HistoryData["samples"] = { time: [], cpuPercent: [], memoryBytes: [], health: [] };
    if (this.rings === null) return out;
    const s = this.rings.samples;
    for (let k = s.ring.firstAfter(since, (i) => s.time[i]!); k < s.ring.size; k++) {
      const i = s.ring.slot(k);
      out.time.push(s.time[i]!);
      out.cpuPercent.push(known(s.cpu[i]!));
      out.memoryBytes.push(s.kib[i]! * 1024);
      out.health.push(HEALTH_CODES[s.health[i]!] ?? null);
    }
    return out;
  }

  private readBuckets(since: number): HistoryData["buckets"] {
    const out: HistoryData["buckets"] = { time: [], cpuPercent: [], cpuMaxPercent: [], memoryBytes: [], health: [] };
    if (this.rings === null) return out;
    const b = this.rings.buckets;
    for (let k = b.ring.firstAfter(since, (i) => b.number[i]! * BUCKET_MS); k < b.ring.size; k++) {
      const i = b.ring.slot(k);
      out.time.push(b.number[i]! * BUCKET_MS);
      out.cpuPercent.push(known(b.cpu[i]!));
      out.cpuMaxPercent.push(known(b.cpuMax[i]!));
      out.memoryBytes.push(b.kib[i]! * 1024);
      out.health.push(HEALTH_CODES[b.health[i]!] ?? null);
    }
    return out;
  }

  private readEvents(since: number): EventEntry[] {
    const out: EventEntry[] = [];
    if (this.rings === null) return out;
    const e = this.rings.events;
    for (let k = e.ring.firstAfter(since, (i) => e.time[i]!); k < e.ring.size; k++) {
      const i = e.ring.slot(k);
      const kind = EVENT_KINDS[e.kind[i]!]!;
      const value = e.value[i]!;
      const started = kind === "start" || kind === "spawn_error";
      out.push({
        time: e.time[i]!, kind, pid: kind === "start" || kind === "exit" ? e.pid[i]! : null, cause: started ? START_CAUSES[e.flags[i]!]! : null,
        code: kind === "exit" && value >= 0 ? value : null, signal: kind === "exit" && value < 0 ? -value : null, expected: kind === "exit" ? e.flags[i] === 1 : null,
      });
    }
    return out;
  }
}

const known = (n: number): number | null => (Number.isNaN(n) ? null : n);
