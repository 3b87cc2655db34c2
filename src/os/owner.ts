// chown's "user" or "user:group" -> numeric ids, from /etc/passwd and /etc/group (as users.ts, no NSS).
import { readFileSync } from "node:fs";
import { TsvisorError } from "../errors.ts";
import { isValidId, lookupUser } from "./users.ts";

// "www-data" -> its uid and primary gid; "root:adm" or "0:4" -> those ids. Throws TsvisorError for a
// user or group that does not exist.
export function resolveOwner(
  spec: string,
  readGroups: () => string = () => readFileSync("/etc/group", "utf8"),
  readPasswd?: () => string,
): { uid: number; gid: number } {
  const [userPart = "", groupPart] = spec.split(":");
  const user = readPasswd ? lookupUser(userPart, readPasswd) : lookupUser(userPart);
  if (user === null) throw new TsvisorError("UNKNOWN_USER", `unknown user ${JSON.stringify(userPart)} in ${JSON.stringify(spec)}: not in /etc/passwd`);
  if (groupPart === undefined) return { uid: user.uid, gid: user.gid };
  const gid = lookupGroup(groupPart, readGroups);
  if (gid === null) throw new TsvisorError("UNKNOWN_GROUP", `unknown group ${JSON.stringify(groupPart)} in ${JSON.stringify(spec)}: not in /etc/group`);
  return { uid: user.uid, gid };
}

// A group name or number -> gid; a number is taken as is, like a numeric uid in users.ts (null past MAX_ID).
export function lookupGroup(nameOrGid: string, readGroups: () => string): number | null {
  if (/^\d+$/.test(nameOrGid)) return isValidId(Number(nameOrGid)) ? Number(nameOrGid) : null;
  let text = "";
  try {
    text = readGroups();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === nameOrGid && /^\d+$/.test(gid ?? "") && isValidId(Number(gid))) return Number(gid);
  }
  return null;
}
