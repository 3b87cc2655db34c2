// One config file read within what is left of the bytes all config files may take together
// (limits.ts MAX_CONFIG_BYTES): a file past it is never read whole. Shared by the TOML and the
// supervisord.conf readers; throws what readFileSync throws for a file that cannot be read.
import { readFileSync, statSync } from "node:fs";

// The file's bytes, or its size when it is larger than `bytesLeft` (it may grow between stat and read).
export function readBounded(path: string, bytesLeft: number): { bytes: Buffer } | { tooLarge: number } {
  const size = statSync(path).size;
  if (size > bytesLeft) return { tooLarge: size };
  const bytes = readFileSync(path);
  return bytes.length > bytesLeft ? { tooLarge: bytes.length } : { bytes };
}
