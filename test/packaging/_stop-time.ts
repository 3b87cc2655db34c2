// How long `tsvisor run` may take to stop gracefully: levels stop one after another (order.ts), each
// taking at most its largest stopwaitsecs. Orchestrators' grace periods must exceed this.
import type { Config } from "../../src/config/schema.ts";
import { stopBatches } from "../../src/supervisor/order.ts";

export function worstCaseStopSeconds(config: Config): number {
  const items = config.processes.map((p) => ({ name: p.name, priority: p.program.priority, wait: p.program.stopwaitsecs }));
  return stopBatches(items).reduce((sum, batch) => sum + Math.max(...batch.map((p) => p.wait)), 0);
}
