// User name or uid -> numeric credentials, from /etc/passwd. NSS sources beyond /etc/passwd (LDAP,
// sssd, systemd-homed) are not consulted: containers have only the file, and reading it needs no libc.
import { readFileSync } from "node:fs";

/**
 * Highest uid or gid: ids are 32-bit, and 2^32 - 1 is (uid_t)-1, which setresuid() and chown() read
 * as "leave unchanged". Bun.spawn takes ids as signed 32-bit numbers (os/spawn.ts converts).
 */
export const MAX_ID = 2 ** 32 - 2;

/** Is this a uid or gid the kernel can switch to: an integer from 0 to MAX_ID? */
export const isValidId = (id: number): boolean => Number.isInteger(id) && id >= 0 && id <= MAX_ID;

/** One /etc/passwd line. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Who a process runs as. */
export interface UserCredentials {
  name: string;
  uid: number;
  gid: number;
}

/**
 * What a program started as another user runs with: its uid, its primary gid, and the groups
 * initgroups(3) would give it (the primary gid first, then every /etc/group entry naming the user),
 * as supervisord sets them; without `groups`, the primary gid alone.
 */
export interface Credentials {
  uid: number;
  gid: number;
  groups?: readonly number[];
}

/**
 * The groups initgroups(user, gid) would set, from /etc/group: `gid`, then the gid of each group that
 * lists `user` among its members, without repeats. Malformed lines are skipped; no file means `gid` only.
 */
export function groupsOf(user: string, gid: number, readGroup: () => string = readEtcGroup): number[] {
  const groups = new Set([gid]);
  for (const id of membership(readGroup).get(user) ?? []) groups.add(id);
  return [...groups];
}

// user -> the gids listing it, for the text readGroup gives, parsed once while it is the same text
// (every program of a config asks; /etc/group may be large: a parse per program was seconds at 40
// programs and a 10 MB file, red team).
let parsed: { text: string; members: Map<string, number[]> } | null = null;
function membership(readGroup: () => string): Map<string, number[]> {
  const text = safely(readGroup);
  if (parsed?.text === text) return parsed.members;
  const members = new Map<string, number[]>();
  for (const line of text.split("\n")) {
    const [name, , id, list = ""] = line.replace(/\r$/, "").split(":");
    if (!name || name.startsWith("#") || name.startsWith("+") || name.startsWith("-")) continue;
    if (!/^\d+$/.test(id ?? "") || !isValidId(Number(id))) continue;
    for (const member of list.split(",")) {
      if (member === "") continue;
      const ids = members.get(member);
      if (ids === undefined) members.set(member, [Number(id)]);
      else ids.push(Number(id));
    }
  }
  parsed = { text, members };
  return members;
}

const readEtcGroup = (): string => readFileSync("/etc/group", "utf8");

/**
 * Credentials with the groups /etc/group gives their user now: read at each start of a program, as
 * supervisord's initgroups is, so a membership removed takes effect at the program's next start
 * (without a name, from a uid with no passwd entry, they stay as resolved).
 */
export function withCurrentGroups<T extends { gid: number; groups: readonly number[]; name?: string }>(credentials: T | null): T | null {
  if (credentials === null || credentials.name === undefined) return credentials;
  return { ...credentials, groups: groupsOf(credentials.name, credentials.gid) };
}

// "root:x:0:0:root:/root:/bin/bash\n..." -> entries; comments, blank, NIS (+/-) and malformed lines
// (ids that are not numbers from 0 to MAX_ID among them) are skipped.
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.replace(/\r$/, "").split(":");
    const [name, , uid, gid, , home = "", shell = ""] = fields;
    if (!name || name.startsWith("#") || name.startsWith("+") || name.startsWith("-")) continue;
    if (!/^\d+$/.test(uid ?? "") || !/^\d+$/.test(gid ?? "") || !isValidId(Number(uid)) || !isValidId(Number(gid))) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid), home, shell });
  }
  return entries;
}

// "www-data", "33" or 33 -> credentials; null for an unknown name or a uid outside 0..MAX_ID. A uid
// without a passwd entry is accepted with gid = uid (Docker's `--user 1000` does the same; supervisord
// would refuse it).
export function lookupUser(
  nameOrUid: string | number,
  readPasswd: () => string = () => readFileSync("/etc/passwd", "utf8"),
): UserCredentials | null {
  const numeric = typeof nameOrUid === "number" || /^\d+$/.test(nameOrUid);
  const entries = parsePasswd(safely(readPasswd));
  if (numeric) {
    const uid = Number(nameOrUid);
    if (!isValidId(uid)) return null;
    const entry = entries.find((e) => e.uid === uid);
    return entry ? { name: entry.name, uid, gid: entry.gid } : { name: String(uid), uid, gid: uid };
  }
  const entry = entries.find((e) => e.name === nameOrUid);
  return entry ? { name: entry.name, uid: entry.uid, gid: entry.gid } : null;
}

// A scratch image has no /etc/passwd: then only numeric uids resolve.
function safely(read: () => string): string {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}
