// The state graph for the dashboard's help view: the arrows of supervisor/state-graph.ts (machine.ts's
// table) drawn as an inline SVG, each arrow numbered, and the numbered list of their causes beside it
// (a phone's screen is too small for labels on the arrows). The places of the states are chosen here,
// by hand, the way supervisord's docs draw them; the arrows come from the table. Pure: edges in, markup out.
import { graphEdges, INITIAL_STATE, type GraphEdge } from "../supervisor/state-graph.ts";
import type { ProcessState } from "../supervisor/states.ts";

const WIDTH = 840;
const HEIGHT = 520;
const BOX = { w: 124, h: 36 };

/** Where each state is drawn (its centre). */
export const STATE_PLACES: Record<ProcessState, { x: number; y: number }> = {
  UNKNOWN: { x: 130, y: 90 }, STOPPED: { x: 400, y: 90 },
  BACKOFF: { x: 130, y: 255 }, STARTING: { x: 400, y: 255 }, RUNNING: { x: 670, y: 255 },
  FATAL: { x: 130, y: 420 }, EXITED: { x: 400, y: 420 }, STOPPING: { x: 670, y: 420 },
};

// How far an arrow bows out of the straight line, as a share of its length (positive: to the right of
// its direction, on the screen). Two arrows between the same states bow apart; long arrows bow around
// what lies between; two that would cross at their middles bow so that their numbers do not meet.
const BENDS: Record<string, number> = {
  "STOPPING>STOPPED": 1.3, // around RUNNING, on the right
  "STOPPING>BACKOFF": -0.55, // under EXITED
  "BACKOFF>STOPPED": 0.12,
  "FATAL>STARTING": -0.12,
  "STARTING>STOPPING": 0.15,
  "RUNNING>EXITED": 0.15,
};
const PAIR_BEND = 0.14;

const STATE_CLASS: Partial<Record<ProcessState, string>> = { RUNNING: "g-ok", FATAL: "g-bad", UNKNOWN: "g-bad", EXITED: "g-bad", BACKOFF: "g-wait", STARTING: "g-wait", STOPPING: "g-wait" };

// The help view's graph: an <svg> and an <ol> whose items are numbered as the arrows are.
export function renderStateGraph(edges: readonly GraphEdge[] = graphEdges()): string {
  const pairs = new Set(edges.map((e) => `${e.from}>${e.to}`));
  const arrows = edges.map((edge, i) => arrow(edge, i + 1, pairs.has(`${edge.to}>${edge.from}`)));
  const start = STATE_PLACES[INITIAL_STATE];
  const boxes = Object.entries(STATE_PLACES).map(([state, { x, y }]) =>
    `<g class="g-state ${STATE_CLASS[state as ProcessState] ?? ""}"><rect x="${x - BOX.w / 2}" y="${y - BOX.h / 2}" width="${BOX.w}" height="${BOX.h}" rx="8"/>` +
    `<text x="${x}" y="${y + 5}">${state}</text></g>`);
  const svg = `<svg id="state-graph" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="state graph">` +
    `<defs><marker id="g-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker></defs>` +
    `<circle class="g-entry" cx="${start.x - 110}" cy="${start.y}" r="6"/><path class="g-arrow" d="M${start.x - 104} ${start.y}H${start.x - BOX.w / 2 - 2}" marker-end="url(#g-head)"/>` +
    `${arrows.join("")}${boxes.join("")}</svg>`;
  const items = edges.map((e, i) => `<li value="${i + 1}" data-from="${e.from}" data-to="${e.to}"><b>${e.from} → ${e.to}</b> ${e.causes.map(escape).join("; ")}</li>`);
  return `${svg}\n<ol id="state-edges">${items.join("")}</ol>`;
}

// One numbered arrow from box to box: a quadratic curve, its number where it bows furthest.
function arrow(edge: GraphEdge, n: number, paired: boolean): string {
  const a = STATE_PLACES[edge.from];
  const b = STATE_PLACES[edge.to];
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  const bend = BENDS[`${edge.from}>${edge.to}`] ?? (paired ? PAIR_BEND : 0);
  // the left of the direction a -> b, scaled to the bend
  const control = { x: (a.x + b.x) / 2 - ((b.y - a.y) / length) * bend * length, y: (a.y + b.y) / 2 + ((b.x - a.x) / length) * bend * length };
  const from = boxEdge(a, control);
  const to = boxEdge(b, control, 3);
  const mid = { x: 0.25 * from.x + 0.5 * control.x + 0.25 * to.x, y: 0.25 * from.y + 0.5 * control.y + 0.25 * to.y };
  return `<g class="g-edge" data-from="${edge.from}" data-to="${edge.to}"><title>${edge.from} → ${edge.to}: ${edge.causes.map(escape).join("; ")}</title>` +
    `<path class="g-arrow" d="M${r(from.x)} ${r(from.y)}Q${r(control.x)} ${r(control.y)} ${r(to.x)} ${r(to.y)}" marker-end="url(#g-head)"/>` +
    `<circle cx="${r(mid.x)}" cy="${r(mid.y)}" r="11"/><text x="${r(mid.x)}" y="${r(mid.y + 4.5)}">${n}</text></g>`;
}

// Where the line from a box's centre towards `toward` leaves the box (`gap` pixels further out).
function boxEdge(centre: { x: number; y: number }, toward: { x: number; y: number }, gap = 0): { x: number; y: number } {
  const dx = toward.x - centre.x;
  const dy = toward.y - centre.y;
  const t = Math.min(dx === 0 ? Infinity : (BOX.w / 2 + gap) / Math.abs(dx), dy === 0 ? Infinity : (BOX.h / 2 + gap) / Math.abs(dy));
  return { x: centre.x + dx * t, y: centre.y + dy * t };
}

const r = (n: number) => Math.round(n * 10) / 10;
const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
