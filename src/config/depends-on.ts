// depends_on across programs: every name must be a program, and no program may depend on itself
// through others (a cycle could never start). Pure: names in, problems out.

/** A problem with one program's depends_on. */
export interface DependencyProblem {
  program: string;
  /** The name that is not a program; absent for a cycle. */
  unknown?: string;
  /** The cycle, first program repeated at the end: ["a", "b", "a"]. */
  cycle?: string[];
}

// Unknown names first (each program's own), then each cycle once, found by a depth-first walk in config order.
export function findDependencyProblems(dependsOn: ReadonlyMap<string, readonly string[]>): DependencyProblem[] {
  const problems: DependencyProblem[] = [];
  for (const [program, deps] of dependsOn) {
    for (const dep of deps) if (!dependsOn.has(dep)) problems.push({ program, unknown: dep });
  }
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): void => {
    const at = path.indexOf(name);
    if (at >= 0) {
      const cycle = [...path.slice(at), name];
      problems.push({ program: cycle[0]!, cycle });
      return;
    }
    if (done.has(name)) return;
    path.push(name);
    for (const dep of dependsOn.get(name) ?? []) if (dependsOn.has(dep)) visit(dep);
    path.pop();
    done.add(name);
  };
  for (const name of dependsOn.keys()) visit(name);
  return problems;
}
