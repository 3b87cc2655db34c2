// The parent-death exec: an x86-64 program (120 bytes of code, 296 with its ELF headers), held in a
// sealed memfd, that does what `setpriv --pdeathsig KILL --` does for tsvisor (os/parent-death.ts) at
// a third of its cost. setpriv is dynamically linked and, before its exec, loads libcap-ng, reads the
// locale and the capability bounding set: 1,000 runs from a bash loop took 6.9 s through setpriv,
// 4.6 s through a static program doing only the prctl and 3.2 s for the program alone, so setpriv
// adds 3.7 ms a spawn and this 1.4 ms; 1,000 programs start in a fifth less time
// (docs/performance.md). It makes no library call at all:
//
//   prctl(PR_SET_PDEATHSIG, SIGKILL)
//   if getppid() != PARENT: exit 125   (tsvisor died before the prctl: the signal will never come)
//   close_range(3, ~0U, 0)     its own descriptor (and nothing else: Bun.spawn leaves only 0-2 and it)
//   if that failed: exit 125   (never exec the program with tsvisor's descriptor open)
//   if argc < 3: exit 0        (the self-test, os/spawn.ts)
//   execve(argv[1], &argv[2], envp)
//   exit 127 if ENOENT, else 126 (as setpriv and a shell do)
//
// PARENT is tsvisor's pid, written into the code when the memfd is made: a tsvisor SIGKILLed between
// the fork and the prctl leaves the child with another parent (init, a subreaper), and a prctl made
// then waits for a death that has already happened (setpriv has the same hole; under load a red team
// saw a program outlive a SIGKILLed tsvisor in 1 round of 10, tsvisor starting 200 each time).
//
// argv[1] is the command's path as os/command-check.ts resolved it for execvp's rules (PATH, cwd),
// argv[2...] the program's argv with its own argv[0]. It runs from `/proc/self/fd/N`: the memfd is
// passed to the child at the number it has in tsvisor, so the path means the same file in both.
//
// Why a memfd: nothing on disk that another user could replace, no writable directory needed (a
// read-only root filesystem), and sealed (F_SEAL_WRITE, SHRINK, GROW, SEAL) before its first use, so
// no one, root included, can change the bytes every program of every user is started through. Any
// step that fails here (another architecture, no memfd_create, a kernel without close_range, a
// security module refusing a memfd exec, TSVISOR_NO_NATIVE=1) leaves null: setpriv is used instead.
import { closeSync, fstatSync, writeSync } from "node:fs";
import { ptr } from "bun:ffi";
import { errno, libc } from "./libc.ts";

// The machine code, from `as --64` (intel syntax) and `objdump -d`; offsets on the left.
// prettier-ignore
const CODE = [
  0xbf, 0x01, 0x00, 0x00, 0x00, //       00 mov edi, 1          PR_SET_PDEATHSIG
  0xbe, 0x09, 0x00, 0x00, 0x00, //       05 mov esi, 9          SIGKILL
  0xb8, 0x9d, 0x00, 0x00, 0x00, //       0a mov eax, 157        prctl
  0x0f, 0x05, //                         0f syscall
  0xb8, 0x6e, 0x00, 0x00, 0x00, //       11 mov eax, 110        getppid
  0x0f, 0x05, //                         16 syscall
  0xbf, 0x7d, 0x00, 0x00, 0x00, //       18 mov edi, 125
  0x3d, 0x00, 0x00, 0x00, 0x00, //       1d cmp eax, PARENT     (the pid, written at 1e by pdeathsigExecutable)
  0x75, 0x4d, //                         22 jne exit (71)
  0xbf, 0x03, 0x00, 0x00, 0x00, //       24 mov edi, 3
  0xbe, 0xff, 0xff, 0xff, 0xff, //       29 mov esi, ~0
  0x31, 0xd2, //                         2e xor edx, edx
  0xb8, 0xb4, 0x01, 0x00, 0x00, //       30 mov eax, 436        close_range
  0x0f, 0x05, //                         35 syscall
  0xbf, 0x7d, 0x00, 0x00, 0x00, //       37 mov edi, 125
  0x85, 0xc0, //                         3c test eax, eax
  0x75, 0x31, //                         3e jnz exit (71)
  0x48, 0x8b, 0x0c, 0x24, //             40 mov rcx, [rsp]      argc
  0x31, 0xff, //                         44 xor edi, edi
  0x48, 0x83, 0xf9, 0x03, //             46 cmp rcx, 3
  0x7c, 0x25, //                         4a jl exit (71)
  0x48, 0x8b, 0x7c, 0x24, 0x10, //       4c mov rdi, [rsp+16]   argv[1]
  0x48, 0x8d, 0x74, 0x24, 0x18, //       51 lea rsi, [rsp+24]   &argv[2]
  0x48, 0x8d, 0x54, 0xcc, 0x10, //       56 lea rdx, [rsp+rcx*8+16]  envp
  0xb8, 0x3b, 0x00, 0x00, 0x00, //       5b mov eax, 59         execve
  0x0f, 0x05, //                         60 syscall
  0xbf, 0x7e, 0x00, 0x00, 0x00, //       62 mov edi, 126
  0x83, 0xf8, 0xfe, //                   67 cmp eax, -ENOENT
  0x75, 0x05, //                         6a jne exit (71)
  0xbf, 0x7f, 0x00, 0x00, 0x00, //       6c mov edi, 127
  0xb8, 0xe7, 0x00, 0x00, 0x00, // exit: 71 mov eax, 231        exit_group
  0x0f, 0x05, //                         76 syscall
];
/** Where in CODE the parent's pid goes: the immediate of the `cmp eax` at 1d. */
const PARENT_PID_AT = 0x1e;

const LOAD_ADDRESS = 0x400000n;
const ELF_HEADER_BYTES = 64;
const PROGRAM_HEADER_BYTES = 56;
const PROGRAM_HEADERS = 2; // the code, and a non-executable stack

/**
 * The whole executable: ELF header, PT_LOAD (read + execute, the file itself), PT_GNU_STACK (rw), code;
 * `parentPid` is the one process whose children it lets run (tsvisor's, by default).
 */
export function pdeathsigExecutable(parentPid: number = process.pid): Uint8Array {
  const codeAt = ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES * PROGRAM_HEADERS;
  const size = codeAt + CODE.length;
  const file = new DataView(new ArrayBuffer(size));
  [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1].forEach((byte, i) => file.setUint8(i, byte)); // \x7fELF, 64-bit, little-endian, version 1
  file.setUint16(16, 2, true); // ET_EXEC
  file.setUint16(18, 0x3e, true); // EM_X86_64
  file.setUint32(20, 1, true); // EV_CURRENT
  file.setBigUint64(24, LOAD_ADDRESS + BigInt(codeAt), true); // entry point
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
  bytes.set(CODE, codeAt);
  file.setUint32(codeAt + PARENT_PID_AT, parentPid, true);
  return bytes;
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

/** The helper's memfd, and the inode it is: a descriptor is only a number (see stillThere). */
export interface PdeathsigExec {
  fd: number;
  dev: number;
  ino: number;
}

/**
 * A new sealed memfd (close-on-exec) holding the helper, or null when that cannot be had here. Whether
 * it runs (a security module may refuse a memfd exec) is for the caller to try: os/spawn.ts, the one
 * place that starts processes.
 */
export function sealedPdeathsigExec(): PdeathsigExec | null {
  if (process.arch !== "x64" || process.env.TSVISOR_NO_NATIVE) return null;
  let fd = -1;
  try {
    const c = libc();
    const name = ptr(Buffer.from("tsvisor-pdeathsig-exec\0"));
    fd = c.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno() === EINVAL) fd = c.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); // before 6.3
    if (fd < 0) return null;
    const bytes = pdeathsigExecutable();
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
 * Is the helper's descriptor still the sealed memfd? Should anything in tsvisor ever close it by
 * mistake, its number could come back as another file, a program's log owned by that program's user
 * among them: that must never be what the next spawn runs. One fstat per spawn.
 */
export function stillThere(helper: PdeathsigExec): boolean {
  try {
    const { dev, ino } = fstatSync(helper.fd);
    return dev === helper.dev && ino === helper.ino;
  } catch {
    return false;
  }
}
