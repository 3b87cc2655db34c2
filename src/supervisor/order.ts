// Start and stop order: by depends_on first, then by priority (supervisord: lower priority starts
// first and stops last) among programs that depends_on does not relate. A group's priority comes
// before its programs' own, as supervisord orders its process groups first.

interface Prioritised {
  name: string;
  /** The priority of the item's group; orders before `priority`. Without one, `priority` alone. */
  groupPriority?: number;
  priority: number;
  /** Names of the items this one needs up first (others in the list are ignored: not asked about). */
  dependsOn?: readonly string[];
}

// Each item after everything it depends on; among items whose dependencies are placed, ascending
// priority, equal priorities in config order. A cycle (rejected by config/depends-on.ts) would
// leave items unplaced: they are appended in priority order rather than lost.
export function startOrder<T extends Prioritised>(items: readonly T[]): T[] {
  const names = new Set(items.map((i) => i.name));
  const placed = new Set<string>();
  const remaining = [...items].sort(byPriority);
  const order: T[] = [];
  while (remaining.length > 0) {
    const index = remaining.findIndex((i) => (i.dependsOn ?? []).every((d) => placed.has(d) || !names.has(d)));
    const [next] = remaining.splice(index < 0 ? 0 : index, 1);
    order.push(next!);
    placed.add(next!.name);
  }
  return order;
}

// Batches to stop one after the other, each only once the one before has fully stopped (as
// supervisord stops one priority at a time): a batch is the items nothing still running depends
// on, of the highest priority among them; equal priorities stop together. So dependents stop
// before what they depend on, the reverse of startOrder().
export function stopBatches<T extends Prioritised>(items: readonly T[]): T[][] {
  let remaining = [...items];
  const batches: T[][] = [];
  while (remaining.length > 0) {
    const needed = new Set(remaining.flatMap((i) => i.dependsOn ?? []));
    const free = remaining.filter((i) => !needed.has(i.name));
    const candidates = free.length > 0 ? free : remaining; // only a cycle leaves none free
    const top = candidates.reduce((a, b) => (byPriority(a, b) >= 0 ? a : b));
    const batch = candidates.filter((i) => byPriority(i, top) === 0);
    batches.push(batch);
    remaining = remaining.filter((i) => !batch.includes(i));
  }
  return batches;
}

// Ascending (group priority, priority); equal ones compare 0.
function byPriority(a: Prioritised, b: Prioritised): number {
  return (a.groupPriority ?? a.priority) - (b.groupPriority ?? b.priority) || a.priority - b.priority;
}

// `names` and everything they depend on, transitively: what `tsvisor start web` has to start.
export function withDependencies<T extends Prioritised>(names: readonly string[], all: readonly T[]): T[] {
  const byName = new Map(all.map((i) => [i.name, i]));
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name) || !byName.has(name)) return;
    wanted.add(name);
    for (const dep of byName.get(name)!.dependsOn ?? []) add(dep);
  };
  for (const name of names) add(name);
  return all.filter((i) => wanted.has(i.name));
}
