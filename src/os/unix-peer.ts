// Who listens on a unix socket, as the kernel says (SO_PEERCRED), on the very connection a request
// then goes over: a client that acts on a daemon's word with its own rights (`tsvisor logs` reads the
// files the daemon names) must know that the daemon is one it trusts, and the socket file's owner
// does not say (socket_owner gives a root tsvisor's socket to another user; and a socket path in a
// directory others can write may be bound by anyone first). Bun's sockets expose no descriptor to
// ask, so the connection is made here, through libc, and handed to Bun.connect({ fd }).
import { closeSync } from "node:fs";
import { libc } from "./libc.ts";
import { errnoError } from "./safe-open.ts";
import { AF_UNIX, encodeAddress } from "./unix-address.ts";

// Linux values, the same on x86-64 and arm64 (asm-generic), glibc and musl.
const SOCK_STREAM = 1;
// Non-blocking: a listener whose queue is full answers EAGAIN at once instead of holding the client
// in connect() (a listener that never accepts would otherwise hang `tsvisor logs`).
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
// struct ucred { pid_t pid; uid_t uid; gid_t gid; }
const UCRED_BYTES = 12;

/** The process listening on a socket, as it was when it called listen(). */
export interface Peer {
  pid: number;
  uid: number;
  gid: number;
}

/**
 * A stream socket connected to the unix socket at `path` (non-blocking, close-on-exec; the caller
 * owns it) and who listens there. Throws an error with the errno's name as `code`, as node:net's
 * connect would ("ENOENT", "ECONNREFUSED", "EACCES", "EAGAIN"...).
 */
export function connectToPeer(path: string): { fd: number; peer: Peer } {
  const [address, length] = encodeAddress({ kind: "path", path });
  const fd = libc().socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket", path);
  try {
    if (libc().connect(fd, address, length) !== 0) throw errnoError("connect", path);
    const credentials = new Uint32Array(UCRED_BYTES / 4);
    const size = new Uint32Array([UCRED_BYTES]);
    if (libc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, credentials, size) !== 0) throw errnoError("getsockopt(SO_PEERCRED)", path);
    return { fd, peer: { pid: credentials[0]!, uid: credentials[1]!, gid: credentials[2]! } };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
