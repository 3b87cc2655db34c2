// CLOCK_MONOTONIC as the kernel keeps it, the clock systemd compares MONOTONIC_USEC against.
// process.hrtime() will not do: in Bun it counts from the process start, not from boot.
import { dlopen, FFIType } from "bun:ffi";

const CLOCK_MONOTONIC = 1;

// musl's loader maps "libc.so.6" to itself too, so one name serves glibc and musl builds.
const libc = dlopen("libc.so.6", {
  clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
});

/** Microseconds on CLOCK_MONOTONIC (since boot, not counting suspend). */
export function monotonicMicroseconds(): bigint {
  // struct timespec { time_t tv_sec; long tv_nsec; }: two 64-bit fields on x86-64 and arm64.
  const timespec = new BigInt64Array(2);
  if (libc.symbols.clock_gettime(CLOCK_MONOTONIC, timespec) !== 0) throw new Error("clock_gettime(CLOCK_MONOTONIC) failed");
  return timespec[0]! * 1_000_000n + timespec[1]! / 1000n;
}
