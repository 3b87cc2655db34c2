// The first 64 bytes of an ELF file for another machine: enough for the kernel to refuse it at exec
// with "exec format error" (it reads the header before anything else), and for tsvisor to say what
// it was built for (src/os/elf-machine.ts). `type` 2 is an executable, 1 an object file.
export function foreignElf(machine: number, { type = 2 }: { type?: number } = {}): Buffer {
  const header = Buffer.alloc(64);
  header.write("\x7fELF", 0, "latin1");
  header.writeUInt8(2, 4); // 64-bit
  header.writeUInt8(1, 5); // little-endian
  header.writeUInt8(1, 6); // the one ELF version
  header.writeUInt16LE(type, 16);
  header.writeUInt16LE(machine, 18);
  return header;
}
