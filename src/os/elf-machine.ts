// What a program the kernel would not run was built for. Init mode's CMD built for another machine (an
// arm64 image's binary on an x86-64 host) fails in the kernel's exec, after tsvisor's own checks, and
// the foreground exec can only exit 126 for it: tini says "exec ./app failed: Exec format error", and
// tsvisor said nothing. It does not refuse such a file beforehand, because binfmt_misc with qemu-user
// may run it (Docker Desktop's emulation, registered on the host and invisible inside a container);
// after a 126 it says what the file is, which is the usual reason.
import { quoteForMessage, resolveCommand } from "./command-check.ts";
import { readFirstBytes } from "./safe-open.ts";

// e_machine values (elf.h) by the names `file` and `uname -m` use
const MACHINES: Record<number, string> = { 3: "i386", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390x", 40: "arm", 62: "x86-64", 183: "aarch64", 243: "riscv" };
// What each architecture tsvisor is released for runs without an emulator: its own programs and its
// 32-bit predecessor's (a kernel built with that compatibility, as distributions build them)
const RUNS_NATIVELY: Partial<Record<string, readonly number[]>> = { x64: [62, 3], arm64: [183, 40] };

// The header's fields read (elf.h): a program's (an executable or a shared object, what exec takes)
// of either class and byte order, in the one ELF version there is; anything else is not a program
const EI_CLASS = 4;
const EI_DATA = 5;
const EI_VERSION = 6;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const E_TYPE = 16;
const ET_EXEC = 2;
const ET_DYN = 3;
const E_MACHINE = 18;

/**
 * The machine `path` is an ELF program for ("aarch64"), when that is not one this machine runs
 * natively; null for anything else (not ELF, unreadable, not a regular file, this machine's own).
 */
function foreignElfMachine(path: string): string | null {
  const runsHere = RUNS_NATIVELY[process.arch];
  if (runsHere === undefined) return null;
  let head: Buffer;
  try {
    // not blocking on a FIFO swapped in meanwhile; refused if it is no longer a regular file
    head = readFirstBytes(path, E_MACHINE + 2);
  } catch {
    return null;
  }
  if (head.length < E_MACHINE + 2 || head.toString("latin1", 0, 4) !== "\x7fELF") return null;
  const order = head[EI_DATA];
  if ((head[EI_CLASS] !== 1 && head[EI_CLASS] !== 2) || (order !== ELFDATA2LSB && order !== ELFDATA2MSB) || head[EI_VERSION] !== 1) return null;
  const u16 = (at: number) => (order === ELFDATA2MSB ? head.readUInt16BE(at) : head.readUInt16LE(at));
  if (u16(E_TYPE) !== ET_EXEC && u16(E_TYPE) !== ET_DYN) return null;
  const machine = u16(E_MACHINE);
  if (runsHere.includes(machine)) return null;
  return MACHINES[machine] ?? `machine number ${machine}`;
}

/** This machine's name in the same words ("x86-64"). */
function ownMachine(): string {
  const own = RUNS_NATIVELY[process.arch]?.[0];
  return own === undefined ? process.arch : MACHINES[own]!;
}

/**
 * After the foreground command `command` ended with 126: what to say when it is a program for another
 * machine (looked up as the exec looked it up), or null. A program may exit 126 itself, hence "most
 * likely"; under an emulator it did run.
 */
export function describeForeignProgram(command: string, env: Record<string, string | undefined>): string | null {
  const found = resolveCommand(command, env.PATH === undefined ? {} : { PATH: env.PATH }, null);
  if (!("path" in found)) return null;
  const machine = foreignElfMachine(found.path);
  if (machine === null) return null;
  return `${quoteForMessage(command)} is a program for ${machine} and this machine is ${ownMachine()}: exit code 126 most likely means the kernel refused to run it (exec format error), as it does without an emulator for ${machine} registered with binfmt_misc (qemu-user)`;
}
