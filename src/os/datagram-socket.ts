// Send one datagram to a unix socket: the transport of systemd's sd_notify protocol. Neither Bun nor
// Node can open an AF_UNIX SOCK_DGRAM socket (node:dgram is UDP only), so this calls libc through
// bun:ffi: socket(), sendto(), close(). Knows nothing of systemd: an address and some bytes.
import { dlopen, FFIType, read } from "bun:ffi";
import { errnoName } from "./libc.ts";
import { AF_UNIX, type UnixAddress, describeAddress, encodeAddress } from "./unix-address.ts";

export { type UnixAddress, describeAddress } from "./unix-address.ts";

// Linux values, the same on x86-64 and arm64 (asm-generic), glibc and musl.
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000; // the fd must not leak into the programs tsvisor spawns
const MSG_DONTWAIT = 0x40; // a full receive queue must never block tsvisor's loop: drop instead
const MSG_NOSIGNAL = 0x4000;

// musl's loader maps "libc.so.6" to itself too, so one name serves glibc and musl builds.
const libc = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  __errno_location: { args: [], returns: FFIType.ptr },
});

/** Thrown when a datagram cannot be sent; `code` is the errno name ("ENOENT", "ECONNREFUSED", ...). */
export class DatagramError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = "DatagramError";
  }
}

/** Send `payload` as one datagram to `address`, without waiting: a full queue is an EAGAIN error. */
export function sendDatagram(address: UnixAddress, payload: Uint8Array): void {
  let encoded;
  try {
    encoded = encodeAddress(address);
  } catch (error) {
    const { message, code } = error as NodeJS.ErrnoException;
    throw new DatagramError(message, code!);
  }
  const [sockaddr, length] = encoded;
  const fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw lastError(`socket(AF_UNIX, SOCK_DGRAM)`);
  try {
    // An empty payload would be a null pointer for bun:ffi; sd_notify never sends one anyway.
    const body = payload.length > 0 ? payload : new Uint8Array(1);
    const sent = libc.symbols.sendto(fd, body, payload.length, MSG_DONTWAIT | MSG_NOSIGNAL, sockaddr, length);
    if (Number(sent) < 0) throw lastError(`sendto ${describeAddress(address)}`);
  } finally {
    libc.symbols.close(fd);
  }
}

// errno right after the failed call: nothing else ran on this thread in between.
function lastError(what: string): DatagramError {
  const errno = read.i32(libc.symbols.__errno_location()!, 0);
  const code = errnoName(errno);
  return new DatagramError(`${what}: ${code}`, code);
}
