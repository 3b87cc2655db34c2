// A tiny static x86-64 program that makes no library call, held in a sealed memfd: what tsvisor does
// in a child between fork and exec, which Bun.spawn has no hook for (os/pdeathsig-exec.ts,
// os/foreground-exec.ts). Each is a few hundred bytes of machine code wrapped here in the ELF headers
// the kernel needs, and run as `/proc/self/fd/N`: the memfd is passed to the child at the number it has
// in tsvisor, so the path means the same file in both.
//
// Why a memfd: nothing on disk that another user could replace, no writable directory needed (a
// read-only root filesystem), and sealed (F_SEAL_WRITE, SHRINK, GROW, SEAL) before its first use, so
// no one, root included, can change the bytes every program of every user is started through. Any
// step that fails here (another architecture, no memfd_create, TSVISOR_NO_NATIVE=1) leaves null, and
// the caller's slower way is used instead.
import { closeSync, fstatSync, writeSync } from "node:fs";
import { ptr } from "bun:ffi";
import { errno, libc } from "./libc.ts";

const LOAD_ADDRESS = 0x400000n;
const ELF_HEADER_BYTES = 64;
const PROGRAM_HEADER_BYTES = 56;
const PROGRAM_HEADERS = 2; // the code, and a non-executable stack
/** Where a program's code starts in its file: after the ELF header and the two program headers. */
export const CODE_OFFSET = ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES * PROGRAM_HEADERS;

/**
 * The whole executable: ELF header, PT_LOAD (read + execute, the file itself), PT_GNU_STACK (rw), then
 * `code`, whose first byte is the entry point.
 */
export function elfExecutable(code: readonly number[]): Uint8Array {
  const size = CODE_OFFSET + code.length;
  const file = new DataView(new ArrayBuffer(size));
  [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1].forEach((byte, i) => file.setUint8(i, byte)); // \x7fELF, 64-bit, little-endian, version 1
  file.setUint16(16, 2, true); // ET_EXEC
  file.setUint16(18, 0x3e, true); // EM_X86_64
  file.setUint32(20, 1, true); // EV_CURRENT
  file.setBigUint64(24, LOAD_ADDRESS + BigInt(CODE_OFFSET), true); // entry point
  file.setBigUint64(32, BigInt(ELF_HEADER_BYTES), true); // program headers right after this header
  file.setUint16(52, ELF_HEADER_BYTES, true);
  file.setUint16(54, PROGRAM_HEADER_BYTES, true);
  file.setUint16(56, PROGRAM_HEADERS, true);
  const load = ELF_HEADER_BYTES;
  file.setUint32(load, 1, true); // PT_LOAD
  file.setUint32(load + 4, 5, true); // PF_R | PF_X
  file.setBigUint64(load + 16, LOAD_ADDRESS, true); // vaddr (offset 0: the whole file)
  file.setBigUint64(load + 24, LOAD_ADDRESS, true); // paddr
  file.setBigUint64(load + 32, BigInt(size), true); // filesz
  file.setBigUint64(load + 40, BigInt(size), true); // memsz
  file.setBigUint64(load + 48, 0x1000n, true); // align
  const stack = load + PROGRAM_HEADER_BYTES;
  file.setUint32(stack, 0x6474e551, true); // PT_GNU_STACK
  file.setUint32(stack + 4, 6, true); // PF_R | PF_W
  const bytes = new Uint8Array(file.buffer);
  bytes.set(code, CODE_OFFSET);
  return bytes;
}

/**
 * A program that runs its command only as a child of one process, whose pid its code compares with
 * getppid() (a 32-bit immediate at `parentPidAt` in `code`, written when the file is made): its
 * executable for a parent (tsvisor, by default), and a new sealed memfd of it for tsvisor.
 */
export function parentBoundProgram(name: string, code: readonly number[], parentPidAt: number) {
  const executable = (parentPid: number = process.pid): Uint8Array => {
    const bytes = elfExecutable(code);
    new DataView(bytes.buffer).setUint32(CODE_OFFSET + parentPidAt, parentPid, true);
    return bytes;
  };
  return { executable, sealed: (): MemfdProgram | null => sealedProgram(name, executable) };
}

const MFD_CLOEXEC = 0x1; // no other child inherits it; the spawns that use it pass it on purpose
const MFD_ALLOW_SEALING = 0x2;
const MFD_EXEC = 0x10; // kernels >= 6.3 with vm.memfd_noexec = 1 make memfds non-executable unless asked
const EINVAL = 22;
const F_ADD_SEALS = 1033;
const F_SEAL_SEAL = 0x1;
const F_SEAL_SHRINK = 0x2;
const F_SEAL_GROW = 0x4;
const F_SEAL_WRITE = 0x8;

/** A program's memfd, and the inode it is: a descriptor is only a number (see stillThere). */
export interface MemfdProgram {
  fd: number;
  dev: number;
  ino: number;
}

/**
 * A new sealed memfd (close-on-exec) named `name` holding `executable`, or null when that cannot be had
 * here. Whether it runs (a security module may refuse a memfd exec) is for the caller to try: os/spawn.ts,
 * the one place that starts processes.
 */
export function sealedProgram(name: string, executable: () => Uint8Array): MemfdProgram | null {
  if (process.arch !== "x64" || process.env.TSVISOR_NO_NATIVE) return null;
  let fd = -1;
  try {
    const c = libc();
    const cName = ptr(Buffer.from(`${name}\0`));
    fd = c.memfd_create(cName, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno() === EINVAL) fd = c.memfd_create(cName, MFD_CLOEXEC | MFD_ALLOW_SEALING); // before 6.3
    if (fd < 0) return null;
    const bytes = executable();
    if (writeSync(fd, bytes) !== bytes.length) throw new Error("short write");
    if (c.fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) !== 0) throw new Error("not sealed");
    const { dev, ino } = fstatSync(fd);
    return { fd, dev, ino };
  } catch {
    if (fd >= 0) closeSync(fd);
    return null;
  }
}

/**
 * Is the program's descriptor still the sealed memfd? Should anything in tsvisor ever close it by
 * mistake, its number could come back as another file, a program's log owned by that program's user
 * among them: that must never be what the next spawn runs. One fstat per spawn.
 */
export function stillThere(program: MemfdProgram): boolean {
  try {
    const { dev, ino } = fstatSync(program.fd);
    return dev === program.dev && ino === program.ino;
  } catch {
    return false;
  }
}
