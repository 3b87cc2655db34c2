// The state graph as people read it: the edges machine.ts's table declares, each (from, to, cause)
// once, in table order, as Mermaid text (docs/states.md, which GitHub draws) or as a plain list (the
// dashboard's help view draws the same edges). Pure: test/supervisor/state-graph.test.ts checks the
// edges against what step() does and the text against docs/states.md.
import { STATE_EDGES, type StateEdge } from "./machine.ts";
import type { ProcessState } from "./states.ts";

/** One arrow of the drawn graph: every cause the table gives for `from` -> `to`. */
export interface GraphEdge {
  from: ProcessState;
  to: ProcessState;
  causes: string[];
}

/** Where every process starts: the graph's entry arrow. */
export const INITIAL_STATE: ProcessState = "STOPPED";

// The table's edges -> one arrow per (from, to), its causes in table order, each once.
export function graphEdges(edges: readonly StateEdge[] = STATE_EDGES): GraphEdge[] {
  const arrows = new Map<string, GraphEdge>();
  for (const { from, to, cause } of edges) {
    const key = `${from}>${to}`;
    const arrow = arrows.get(key) ?? arrows.set(key, { from, to, causes: [] }).get(key)!;
    if (!arrow.causes.includes(cause)) arrow.causes.push(cause);
  }
  return [...arrows.values()];
}

// The graph as a Mermaid state diagram: one line per (from, to, cause), so each cause labels its own arrow.
export function renderMermaid(edges: readonly GraphEdge[] = graphEdges()): string {
  const lines = ["stateDiagram-v2", `    [*] --> ${INITIAL_STATE}`];
  for (const { from, to, causes } of edges) for (const cause of causes) lines.push(`    ${from} --> ${to}: ${cause}`);
  return `${lines.join("\n")}\n`;
}
