// Start and stop order by priority (supervisord: lower priority starts first and stops last).

interface Prioritised {
  name: string;
  priority: number;
}

// Ascending priority; equal priorities keep config order.
export function startOrder<T extends Prioritised>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.priority - b.priority);
}

// Descending priority, one batch per priority value: a batch is stopped only once the batch before
// it has fully stopped, as supervisord stops one group at a time; equal priorities stop together.
export function stopBatches<T extends Prioritised>(items: readonly T[]): T[][] {
  const batches = new Map<number, T[]>();
  for (const item of items) batches.set(item.priority, [...(batches.get(item.priority) ?? []), item]);
  return [...batches.entries()].sort(([a], [b]) => b - a).map(([, batch]) => batch);
}
