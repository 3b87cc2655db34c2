// [http] token_file: the token read from a file (a Docker or Kubernetes secret), at start and at each
// reload. tsvisor reads it as root, and whoever can write it can choose the token, and whoever can read
// it holds the token: so the path is walked by hand, each link and directory checked before it is
// followed, and the file must be root's (or the config owner's), written and read by no one else
// (docs/security.md "The HTTP API"). Throws ValueError, which the resolver places at the key.
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, type Stats } from "node:fs";
import { dirname, join } from "node:path";
import { ValueError } from "./value-error.ts";

/** A token file is one token and a newline: anything longer is not one. */
export const MAX_TOKEN_FILE_BYTES = 4096;
// Linux's own limit on links followed in one path (ELOOP).
const MAX_LINKS = 40;
const S_ISVTX = 0o1000;
const SECRET_HINT = "chmod 0400 it, owned by root (Kubernetes: defaultMode: 0400 on the secret volume; Docker Compose: mode: 0400 under the service's secrets)";

/**
 * The token in the file at `path` (absolute), without its trailing newline. `trusted` holds the uids
 * whose links, directories and files count: root, tsvisor's own, the config file's owner.
 */
export function readTokenFile(path: string, trusted: ReadonlySet<number>): string {
  const problem = (what: string, hint?: string) => new ValueError(`cannot take the token from ${path}: ${what}`, hint === undefined ? {} : { hint });
  const real = resolveTrustedPath(path, trusted, problem);
  let fd: number;
  try {
    // O_NOFOLLOW: what was checked is what is opened; O_NONBLOCK: a FIFO planted meanwhile cannot hang the open
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw problem(describeErrno(error));
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw problem(`${real} is not a regular file (${kindOf(stat)})`);
    const owner = ownerProblem(real, stat, trusted);
    if (owner !== null) throw problem(owner, "give it to root: chown root: FILE");
    if ((stat.mode & 0o022) !== 0) throw problem(`${real} can be written by other users (mode ${modeOf(stat)}): they could set the token`, SECRET_HINT);
    if ((stat.mode & 0o004) !== 0) throw problem(`${real} can be read by every user (mode ${modeOf(stat)}): every one of them would hold the token`, SECRET_HINT);
    const bytes = readAtMost(fd, MAX_TOKEN_FILE_BYTES + 1);
    if (bytes.length > MAX_TOKEN_FILE_BYTES) throw problem(`it holds more than ${MAX_TOKEN_FILE_BYTES} bytes; a token file holds one token`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw problem("it is not UTF-8 text");
    }
    // `echo TOKEN > file` and editors add one newline; it is not part of the token
    return text.replace(/\r?\n$/, "");
  } finally {
    closeSync(fd);
  }
}

// The path with every link resolved, where each link, each directory walked through and the last
// component's directory belong to a trusted uid and no other user can change them. Nothing on the
// real path can then be swapped between this walk and the open.
function resolveTrustedPath(path: string, trusted: ReadonlySet<number>, problem: (what: string, hint?: string) => ValueError): string {
  let done = "/";
  let rest = path.split("/").filter((part) => part !== "" && part !== ".");
  let links = 0;
  checkDirectory(done, lstat(done));
  while (rest.length > 0) {
    const name = rest.shift()!;
    if (name === "..") {
      done = dirname(done);
      continue;
    }
    const next = join(done, name);
    const stat = lstat(next);
    if (stat.isSymbolicLink()) {
      if (!trusted.has(stat.uid)) throw problem(`${next} is a symbolic link made by uid ${stat.uid}; tsvisor follows a link as root only when root or the config file's owner made it`);
      if (++links > MAX_LINKS) throw problem(`more than ${MAX_LINKS} symbolic links on the way (a loop?)`);
      const target = readlinkSync(next);
      if (target.startsWith("/")) done = "/";
      rest = [...target.split("/").filter((part) => part !== "" && part !== "."), ...rest];
      continue;
    }
    if (rest.length > 0) {
      if (!stat.isDirectory()) throw problem(`${next} is not a directory`);
      checkDirectory(next, stat);
    }
    done = next;
  }
  return done;

  function lstat(at: string): Stats {
    try {
      return lstatSync(at);
    } catch (error) {
      throw problem(at === path ? describeErrno(error) : `${at}: ${describeErrno(error)}`);
    }
  }

  // Another user who may write a directory may put a file or link of their own in it. A sticky
  // directory (/tmp) lets them add names but not replace one that is not theirs, which the checks
  // of each entry already demand.
  function checkDirectory(at: string, stat: Stats): void {
    const owner = ownerProblem(at, stat, trusted);
    if (owner !== null) throw problem(owner, "keep the token file in a directory only root can write, such as /run/secrets");
    if ((stat.mode & 0o022) !== 0 && (stat.mode & S_ISVTX) === 0) {
      throw problem(`${at} is a directory other users can write (mode ${modeOf(stat)}): they could put a token of their own there`, "keep the token file in a directory only root can write, such as /run/secrets");
    }
  }
}

function ownerProblem(at: string, stat: Stats, trusted: ReadonlySet<number>): string | null {
  return trusted.has(stat.uid) ? null : `${at} belongs to uid ${stat.uid}, not to root or the config file's owner`;
}

function readAtMost(fd: number, limit: number): Uint8Array {
  const buffer = new Uint8Array(limit);
  let length = 0;
  for (let n = -1; n !== 0 && length < limit; length += n) n = readSync(fd, buffer, length, limit - length, null);
  return buffer.subarray(0, length);
}

const modeOf = (stat: Stats) => (stat.mode & 0o7777).toString(8).padStart(4, "0");

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a file";
}

function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "ELOOP") return "it is a symbolic link";
  return (error as Error).message;
}
