// Can this command be executed, and by whom? Checked before every spawn so that the error has words:
// under the parent-death wrapper (os/parent-death.ts) the exec happens in the wrapper, whose failure
// reaches tsvisor only as exit status 127 or 126. The command is found as execvp()
// finds it (a name with "/" from the working directory, else the first PATH entry that has it), and
// permissions are those the program's user will meet: the mode bits of the file and of each
// directory on the way, for its uid, primary gid and other groups (os/users.ts groupsOf); root
// passes them all but needs one x bit on a file. For tsvisor's own user the kernel answers (access()).
// For another user, ACLs, capabilities and security modules are not read: there the exec decides,
// and its failure shows as an exit status.
import { accessSync, constants, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { readFirstBytes, UnsafePathError } from "./safe-open.ts";
import type { Credentials } from "./users.ts";

/** Why a command cannot be executed, in errno's words. */
export type CommandProblem = "ENOENT" | "EACCES" | "ENOEXEC" | "EISDIR";

/** Why not, and for a script whose #! interpreter is missing (ENOENT from the exec), that interpreter. */
export interface CommandRefusal {
  code: CommandProblem;
  interpreter?: string;
}

const X = 0o1;
const R = 0o4;

// null when `command` can be executed by `credentials` (null: tsvisor's own user), else why not.
export function commandError(
  command: string, env: Record<string, string>, cwd: string | null, credentials: Credentials | null = null,
): CommandRefusal | null {
  const found = resolveCommand(command, env, cwd, credentials);
  return "code" in found ? found : null;
}

// The file execvp would run for `command` (the path the parent-death exec hands to execve,
// os/pdeathsig-exec.ts), or why there is none that `credentials` may run.
export function resolveCommand(
  command: string, env: Record<string, string>, cwd: string | null, credentials: Credentials | null = null,
): { path: string } | CommandRefusal {
  const who = credentials ?? SELF;
  // execvp("") is ENOENT; looked up on PATH, "" would name each directory of it
  if (command === "") return { code: "ENOENT" };
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    return checkFile(path, who) ?? { path };
  }
  // execvp: the first entry where the name exists and may be run; EACCES if only unrunnable ones exist
  // (a script whose interpreter is missing is ENOENT to execvp too: it goes on looking, as here)
  let denied: CommandRefusal | null = null;
  let noInterpreter: CommandRefusal | null = null;
  for (const dir of (env.PATH ?? process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
    const path = join(dir === "" ? "." : resolve(cwd ?? process.cwd(), dir), command);
    const problem = checkFile(path, who, true);
    if (problem === null) return { path };
    if (problem.code !== "ENOENT") denied ??= problem;
    else if (problem.interpreter !== undefined) noInterpreter ??= problem;
  }
  return denied ?? noInterpreter ?? { code: "ENOENT" };
}

// Why a command cannot be executed, in words (for status, tsvisor's log and init mode's message);
// `credentials` names the user it was checked for.
export function describeCommandProblem(command: string, code: CommandProblem, credentials: { uid: number } | null = null, interpreter?: string): string {
  const quoted = quoteForMessage(command);
  const shown = quoteForMessage(interpreter ?? ""); // the #! line is the script owner's text
  if (code === "ENOENT" && interpreter !== undefined) return `command ${quoted} is a script whose interpreter ${shown} (its #! line) does not exist`;
  if (code === "ENOENT") return `can't find command ${quoted}`;
  if (code === "EISDIR") return `command ${quoted} is a directory, not a program`;
  if (code === "EACCES") return `command ${quoted} is not executable${credentials === null ? "" : ` by uid ${credentials.uid}`} (permission denied)`;
  return `command ${quoted} is not an executable format`;
}

/**
 * A command's name (or any text from a file or a user) quoted for a message or a log line: JSON
 * escapes its C0 controls, a newline that would start a forged line included, and C1 ones (which some
 * terminals take as ESC + a letter) and DEL are escaped as JSON would write them, never sent as they are.
 */
export function quoteForMessage(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `text` as it is in a log line ("CMD sh"), quoted as above only when it holds a control character. */
export function nameForLog(text: string): string {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? quoteForMessage(text) : text;
}

/** Whom a command is checked for: a uid, its primary gid and its other groups. */
type Who = Credentials;

// Marks tsvisor's own credentials: the kernel's access() answers for them.
const SELF: Who = { uid: -1, gid: -1 };

function checkFile(path: string, who: Who, onPath = false): CommandRefusal | null {
  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false }); // most PATH entries lack the name: no Error for each
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code === "EACCES" ? "EACCES" : "ENOENT" };
  }
  // tsvisor looks as root: for another user, what lies behind a directory it may not search is told as
  // the exec would tell it, EACCES, whether it is missing, a directory or a file (red team: "can't find"
  // against "not executable" told a program's user, through a link of theirs, what /root holds). A name
  // looked up in a closed directory of PATH stays "can't find": the user chose neither.
  if (stats === undefined) {
    const hidden = who !== SELF && (!couldSeeMissing(path, who) ? !onPath : !couldSeeMissing(danglingTarget(path), who));
    return { code: hidden ? "EACCES" : "ENOENT" };
  }
  const real = safeRealpath(path);
  // for another user, every directory on the way must be searchable, through the link and to its target
  if (who !== SELF && !searchable([path, real], who)) return { code: "EACCES" };
  if (stats.isDirectory()) return { code: "EISDIR" };
  if (!stats.isFile()) return { code: "EACCES" };
  const allowed = who === SELF ? (bit: number) => kernelAllows(path, bit) : (bit: number) => may(stats, who, bit);
  if (!allowed(X)) return { code: "EACCES" };
  const format = executableFormat(real);
  if (format === "not-a-file") return { code: "EACCES" };
  if (format === null) return { code: "ENOEXEC" };
  // a script is read by its interpreter, as the user
  if (format === "script" && !allowed(R)) return { code: "EACCES" };
  // the kernel's ENOENT for a missing interpreter reads as a missing command; an absolute one is
  // checked here (a relative one is the exec's to resolve, from the program's directory)
  const interpreter = format === "script" ? scriptInterpreter(real) : null;
  if (interpreter !== null && isAbsolute(interpreter) && isMissing(interpreter) && couldSeeMissing(interpreter, who)) return { code: "ENOENT", interpreter };
  return null;
}

// Where a name that leads to nothing leads: through its links (a dangling one's target), as the kernel
// follows them (at most 40), or the name itself.
function danglingTarget(path: string): string {
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    try {
      at = resolve(dirname(at), readlinkSync(at));
    } catch {
      return at; // not a link (or not there): the end of the chain
    }
  }
  return at;
}

// Nothing at `path` (ENOENT, ENOTDIR); a link loop or a refusal is not "missing": the exec tells those.
function isMissing(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) === undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOTDIR";
  }
}

// Could `who` learn by itself that `path` is missing: is every directory down to the first missing
// one searchable for it? tsvisor looks as root; without this, a script's #! line would let any user
// ask, through status, whether a path under a directory closed to them (/root/...) exists.
function couldSeeMissing(path: string, who: Who): boolean {
  if (who === SELF) return true; // the kernel answered for tsvisor's own user
  const parts = path.split("/").filter(Boolean);
  let dir = "/";
  for (const part of parts.slice(0, -1)) {
    const stats = statOrNull(dir);
    if (stats === null) return true; // missing above: seen from a searchable parent
    if (!may(stats, who, X)) return false;
    dir = join(dir, part);
  }
  const last = statOrNull(dir);
  return last === null || may(last, who, X);
}

// The interpreter a `#!` line names: the first word after `#!`, within the 256 bytes the kernel reads.
function scriptInterpreter(path: string): string | null {
  let head: Buffer;
  try {
    head = readFirstBytes(path, 256);
  } catch {
    return null;
  }
  const line = head.subarray(2).toString("utf8").split("\n")[0] ?? "";
  const interpreter = /^[ \t]*([^ \t\r]+)/.exec(line)?.[1] ?? null;
  // a name that is not UTF-8 cannot be asked for by a JS string (stat would look for other bytes)
  return interpreter?.includes("\uFFFD") ? null : interpreter;
}

function searchable(paths: string[], who: Who): boolean {
  for (const file of new Set(paths)) {
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      const d = statOrNull(dir);
      if (d === null || !may(d, who, X)) return false;
      if (dir === dirname(dir)) break;
    }
  }
  return true;
}

function kernelAllows(path: string, bit: number): boolean {
  try {
    accessSync(path, bit === X ? constants.X_OK : constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

// Permission `bit` (X or R) on a file or directory for a user, from its mode bits: the owner's, else
// the group's when the file's group is one of the user's (its primary or another, as the kernel does).
function may(stats: Stats, who: Who, bit: number): boolean {
  if (who.uid === 0) return bit !== X || stats.isDirectory() || (stats.mode & 0o111) !== 0;
  const inGroup = stats.gid === who.gid || (who.groups?.includes(stats.gid) ?? false);
  const shift = stats.uid === who.uid ? 6 : inGroup ? 3 : 0;
  return ((stats.mode >> shift) & bit) !== 0;
}

// The kernel runs ELF files and "#!" scripts (binfmt_misc aside); null for anything else. The file
// was a regular one when stat()ed, but the program's user may swap a named pipe in (RENAME_EXCHANGE)
// before this open, which goes through safe-open so that it cannot block: "not-a-file" then, as
// exec() would refuse it (EACCES).
function executableFormat(path: string): "elf" | "script" | "not-a-file" | null {
  let head: Buffer;
  try {
    head = readFirstBytes(path, 4);
  } catch (error) {
    if (error instanceof UnsafePathError) return "not-a-file";
    return "elf"; // not readable by tsvisor's user?  let exec decide
  }
  if (head.length >= 4 && head.toString("latin1", 0, 4) === "\x7fELF") return "elf";
  return head.length >= 2 && head.toString("latin1", 0, 2) === "#!" ? "script" : null;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
