// One config file read within what is left of the bytes all config files may take together
// (limits.ts MAX_CONFIG_BYTES): a file past it is never read whole. Shared by the TOML and the
// supervisord.conf readers; throws what opening or reading throws for a file that cannot be read.
import { closeSync, fstatSync, readSync } from "node:fs";
import { openFollowingRead } from "../os/safe-open.ts";

// The file's bytes, or its size when it is larger than `bytesLeft`. Read only when it is a regular
// file: O_NONBLOCK through safe-open, so that a named pipe put at an included name (at a reload, in a
// directory someone else can write) cannot hold the daemon's thread; and at most `bytesLeft` + 1
// bytes, enough to tell that it is over (it may grow between fstat and read).
export function readBounded(path: string, bytesLeft: number): { bytes: Buffer } | { tooLarge: number } {
  const fd = openFollowingRead(path);
  try {
    const size = fstatSync(fd).size;
    if (size > bytesLeft) return { tooLarge: size };
    const chunks: Buffer[] = [];
    let length = 0;
    for (let n = -1; n !== 0 && length <= bytesLeft; length += n) {
      const chunk = Buffer.alloc(Math.min(Math.max(size + 1 - length, 64 * 1024), bytesLeft + 1 - length));
      n = readSync(fd, chunk, 0, chunk.length, null);
      chunks.push(chunk.subarray(0, n));
    }
    const bytes = Buffer.concat(chunks);
    return bytes.length > bytesLeft ? { tooLarge: bytes.length } : { bytes };
  } finally {
    closeSync(fd);
  }
}
