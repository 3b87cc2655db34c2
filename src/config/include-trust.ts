// Whether an included config file may be read: it decides which programs tsvisor runs and as whom, so
// a file another user could have written (an app-owned conf.d that `include = "conf.d/*.toml"` picks
// up) would give that user tsvisor's rights, root's as a rule (red team: a `nobody` file in such a
// directory ran `id` as root at the next reload). The rule is the one for a config found in the
// working directory (load.ts), as git's safe.directory: the file is owned by root, by the user
// running tsvisor or by the main config's owner, and no one else may write it; its directory and every
// one above it are owned by one of them, and no one else may write them either (or they could swap
// the file after this check), unless a directory is sticky (/tmp) and the entry in it is one of
// theirs: there no one else can move it. supervisord reads any include; docs/security.md says why this differs.
// A symbolic link is followed: the directories on the way to the file it names pass the same rule.
import { type Stats, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";

const OTHERS_MAY_WRITE = 0o022;
const STICKY = 0o1000;

/** Why `path` (an include) must not be read, or null when it may; `mainConfig` is the file that includes it first. */
export function untrustedIncludeProblem(path: string, mainConfig: string): string | null {
  const trustedUids = new Set([0, process.getuid?.() ?? 0, statSync(mainConfig).uid]);
  const owners = [...trustedUids].sort((a, b) => a - b).map((uid) => (uid === 0 ? "root" : `uid ${uid}`)).join(", ");
  const mode = (s: Stats) => (s.mode & 0o7777).toString(8).padStart(4, "0");
  const real = realpathSync(path);
  const file = statSync(real);
  if (!trustedUids.has(file.uid)) return `it is owned by uid ${file.uid}, not by ${owners}`;
  if ((file.mode & OTHERS_MAY_WRITE) !== 0) return `others may write it (mode ${mode(file)})`;
  // Every directory up to /, on the way the name is looked up and to where it leads: one another user
  // could rename or write above a checked one would let them swap it after the check (red team: a
  // root conf.d in nobody's app directory, exchanged with nobody's own by renameat2 at each reload).
  // In a sticky one (/tmp) only an entry's owner can move it: that entry must be a trusted user's.
  for (const start of new Set([dirname(path), dirname(real)])) {
    let entryOwner = file.uid;
    for (let dir = start; ; dir = dirname(dir)) {
      const d = statSync(dir);
      const which = `${dir === start ? "its directory" : "a directory above it,"} ${dir}`;
      if (!trustedUids.has(d.uid)) return `${which} is owned by uid ${d.uid}, not by ${owners}`;
      const othersMayWrite = (d.mode & OTHERS_MAY_WRITE) !== 0;
      if (othersMayWrite && ((d.mode & STICKY) === 0 || !trustedUids.has(entryOwner))) return `others may write ${which} (mode ${mode(d)})`;
      if (dir === dirname(dir)) break;
      entryOwner = d.uid;
    }
  }
  return null;
}

/** The whole message for an include `untrustedIncludeProblem` refused, and its hint. */
export function untrustedIncludeMessage(shown: string, problem: string): { message: string; hint: string } {
  return {
    message: `not reading ${shown}: ${problem}, so another user could decide what tsvisor runs`,
    hint: "make the file and its directory root's (or the config's owner's) and not writable by others (chmod go-w); supervisord reads any include, tsvisor only one no one else could have written",
  };
}
