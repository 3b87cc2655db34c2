// A unix socket's address as the kernel takes it (struct sockaddr_un), for the sockets tsvisor opens
// through libc rather than Bun: systemd's notify socket (datagram-socket.ts) and a control socket
// whose listener is to be named (unix-peer.ts).

/** A unix socket address: a file system path, or a name in Linux's abstract namespace (no file). */
export type UnixAddress = { kind: "path"; path: string } | { kind: "abstract"; name: string };

// Linux's value, the same on x86-64 and arm64 (asm-generic), glibc and musl.
export const AF_UNIX = 1;
// struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
const SUN_PATH_OFFSET = 2;
const SUN_PATH_SIZE = 108;

/** "/run/systemd/notify" or "@name", as systemd writes NOTIFY_SOCKET. */
export function describeAddress(address: UnixAddress): string {
  return address.kind === "path" ? address.path : `@${address.name}`;
}

/**
 * sockaddr_un bytes and the length to pass: a path ends with its NUL; an abstract name starts with
 * a NUL and is exactly as long as its bytes (a trailing NUL would be part of the name). Throws an
 * error with code ENAMETOOLONG for an address sockaddr_un cannot hold, EINVAL for a path with a NUL.
 */
export function encodeAddress(address: UnixAddress): [Uint8Array, number] {
  const name = new TextEncoder().encode(address.kind === "path" ? address.path : address.name);
  if (address.kind === "path" && name.includes(0)) throw addressError(`unix socket path ${JSON.stringify(address.path)} contains a NUL byte`, "EINVAL");
  const used = name.length + 1; // the path's trailing NUL, or the abstract name's leading one
  if (used > SUN_PATH_SIZE) {
    throw addressError(`unix socket address ${describeAddress(address)} is ${used} bytes; at most ${SUN_PATH_SIZE} fit in sockaddr_un`, "ENAMETOOLONG");
  }
  const sockaddr = new Uint8Array(SUN_PATH_OFFSET + SUN_PATH_SIZE);
  new DataView(sockaddr.buffer).setUint16(0, AF_UNIX, true);
  sockaddr.set(name, address.kind === "path" ? SUN_PATH_OFFSET : SUN_PATH_OFFSET + 1);
  return [sockaddr, SUN_PATH_OFFSET + used];
}

function addressError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
