// [groups.NAME] -> GroupConfig: supervisord's [group:x], several programs supervised as one process
// group (`start web:*`, supervisorctl's `web:php`, SUPERVISOR_GROUP_NAME). A program in no group is a
// group of its own, named after it, as in supervisord; so a program is in one group at most, and a
// group may not take the name of a program outside it (`web:*` would mean two things).
import { DEFAULTS } from "./defaults.ts";
import { dictionary } from "./dictionary.ts";
import type { RawEntry } from "./merge.ts";
import type { Reporter } from "./resolve.ts";
import type { GroupConfig } from "./schema.ts";
import { didYouMean, unknownKey } from "./suggest.ts";
import { ValueError, show } from "./value-error.ts";
import * as values from "./values.ts";

const GROUP_KEYS = ["programs", "priority"];
const GROUP_NAME = /^[A-Za-z0-9_.-]+$/;

/** The groups, and the group of each program that is in one. */
export interface ResolvedGroups {
  groups: Record<string, GroupConfig>;
  /** Program name -> the `[groups.NAME]` it is in. */
  groupOf: Map<string, string>;
}

// Every [groups.NAME] table against the programs defined (their names, in config order).
export function resolveGroups(entries: ReadonlyMap<string, RawEntry>, programs: readonly string[], report: Reporter): ResolvedGroups {
  const groups = dictionary<GroupConfig>();
  const groupOf = new Map<string, string>();
  const known = new Set(programs);
  for (const [name, { file, value }] of entries) {
    const at = ["groups", name];
    if (!GROUP_NAME.test(name)) report.add(file, at, `invalid group name ${show(name)}: expected letters, digits, "_", "." and "-"`);
    const table = report.convert(file, at, () => values.table(value));
    if (table === undefined) continue;
    const group: GroupConfig = { programs: [], priority: DEFAULTS.group.priority };
    for (const [key, v] of Object.entries(table)) {
      const path = [...at, key];
      if (key === "programs") group.programs = report.convert(file, path, () => programList(v)) ?? [];
      else if (key === "priority") group.priority = report.convert(file, path, () => values.integer(v)) ?? group.priority;
      else report.add(file, path, () => unknownKey(key, GROUP_KEYS));
    }
    if (!Object.hasOwn(table, "programs")) {
      report.add(file, at, `missing required key "programs"`, { hint: `add programs = ["web", "worker"] to [${report.display(at)}]` });
    }
    for (const program of group.programs) {
      const other = groupOf.get(program);
      if (!known.has(program)) {
        report.add(file, [...at, "programs"], `names ${show(program)}, which is not a program${didYouMean(program, programs)}`, { at: "value" });
      } else if (other !== undefined) {
        report.add(file, [...at, "programs"], `names ${show(program)}, which is in the group ${show(other)} already; a program is in one group at most`, { at: "value" });
      } else {
        groupOf.set(program, name);
      }
    }
    groups[name] = group;
  }
  // a group named after a program outside it: `NAME:*` and supervisorctl's NAME would mean two groups
  for (const [name, { file }] of entries) {
    if (known.has(name) && groupOf.get(name) !== name) {
      report.add(file, ["groups", name], `the group ${show(name)} has the name of a program that is not in it`, {
        hint: `rename the group, or list ${show(name)} in its programs`,
      });
    }
  }
  return { groups, groupOf };
}

// A non-empty array of program names, each once.
function programList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((n) => typeof n === "string" && n !== "")) {
    throw new ValueError(`expected a non-empty array of program names, e.g. ["web", "worker"]; got ${show(value)}`);
  }
  const seen = new Set<string>();
  for (const name of value as string[]) {
    if (seen.has(name)) throw new ValueError(`names ${show(name)} twice`);
    seen.add(name);
  }
  return [...seen];
}
