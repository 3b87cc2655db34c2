// `tsvisor top`'s screen as lines of text: a title, a row per process (state, pid, uptime, restarts,
// CPU and memory with a sparkline of each, health), a pane with the last events or the followed log,
// and a line of keys (or the question, the filter being typed, the last answer). Exactly `height`
// lines, none wider than `width`. Colour only when asked (not with NO_COLOR, TERM=dumb or no
// terminal); bold and reverse video when `styles`, which only TERM=dumb turns off. Pure.
import { ANSI, paint } from "../colour.ts";
import type { EventRecord, ProcessStatus, StateName } from "../control/protocol.ts";
import { formatBytes } from "./_render.ts";
import { memoryScale, sparkline } from "./_sparkline.ts";
import { visible, visibleRows, type TopModel } from "./_top-model.ts";

export interface Screen {
  width: number;
  height: number;
  colour: boolean;
  styles: boolean;
  /** The wall clock, ms since the epoch: uptimes count on from the last status. */
  now: number;
}

const STATE_COLOURS: Partial<Record<StateName, number>> = {
  RUNNING: ANSI.green, STARTING: ANSI.yellow, BACKOFF: ANSI.yellow, STOPPING: ANSI.yellow, EXITED: ANSI.red, FATAL: ANSI.red, UNKNOWN: ANSI.red,
};
const HEALTH_COLOURS: Record<string, number> = { healthy: ANSI.green, starting: ANSI.yellow, unhealthy: ANSI.red };

// The columns besides the name and the two sparklines: header, width, right-aligned.
const FIXED = [["STATE", 8, false], ["PID", 7, true], ["UPTIME", 7, true], ["RST", 4, true], ["CPU%", 6, true], ["MEM", 7, true], ["HEALTH", 9, false]] as const;
const KEYS = "↑↓ select  s start  x stop  r restart  l log  o sort  / filter  q quit";

export function renderTop(model: TopModel, screen: Screen): string[] {
  const { width, height } = screen;
  const style = styler(screen);
  const rows = visibleRows(model);
  // the rows take what they need, the pane below the rest, and each at least a few lines
  const minPane = Math.max(3, Math.floor((height - 4) * 0.3));
  const rowsHeight = Math.max(1, Math.min(Math.max(rows.length, 1), height - 4 - minPane));
  const paneHeight = Math.max(1, height - 4 - rowsHeight);
  const layout = columns(width, rows);
  const lines = [
    title(model, rows, screen),
    style.reverse(fit(header(layout), width).padEnd(width)),
    ...rowLines(model, rows, layout, rowsHeight, screen, style),
    style.bold(fit(paneTitle(model, width), width)),
    ...pane(model, paneHeight, screen, style),
    footer(model, width, style),
  ];
  return lines.slice(0, height);
}

interface Layout {
  name: number;
  spark: number;
}

// The name gets what its longest value needs (10 to 24); the sparklines share the rest (4 to 30 each).
function columns(width: number, rows: readonly ProcessStatus[]): Layout {
  const fixed = FIXED.reduce((sum, [, w]) => sum + w + 1, 0) + 2 + 2; // +1 separators, the selection mark, two spark separators
  const longest = Math.max(4, ...rows.map((p) => [...p.name].length));
  const name = Math.min(24, Math.max(10, Math.min(longest, width - fixed - 8)));
  const spark = Math.min(30, Math.max(4, Math.floor((width - fixed - name) / 2)));
  return { name, spark };
}

function header({ name, spark }: Layout): string {
  const [state, pid, uptime, rst, cpu, mem, health] = FIXED.map(([h, w, right]) => (right ? h.padStart(w) : h.padEnd(w)));
  return ` ${"NAME".padEnd(name)} ${state} ${pid} ${uptime} ${rst} ${cpu} ${"cpu".padEnd(spark)} ${mem} ${(spark < 6 ? "mem" : "memory").padEnd(spark)} ${health}`;
}

function rowLines(model: TopModel, rows: readonly ProcessStatus[], layout: Layout, height: number, screen: Screen, style: Styler): string[] {
  // scroll so that the selected row is on screen
  const at = Math.max(0, rows.findIndex((p) => p.name === model.selected));
  const first = Math.min(Math.max(0, at - height + 1), Math.max(0, rows.length - height));
  const shown = rows.slice(first, first + height).map((p) => {
    const selected = p.name === model.selected;
    const line = rowText(p, model, layout, screen, style, selected);
    // the selected row is plain text (see rowText): a reversed bar across the screen
    return selected ? style.reverse([...line].length < screen.width ? line.padEnd(screen.width) : line) : line;
  });
  if (rows.length === 0) shown.push(model.processes.length === 0 ? " (no answer yet)" : ` (no process matches "${visible(model.filter)}")`);
  while (shown.length < height) shown.push("");
  return shown;
}

function rowText(p: ProcessStatus, model: TopModel, { name, spark }: Layout, screen: Screen, style: Styler, selected: boolean): string {
  const uptime = p.uptime_ms === null ? "-" : formatDuration(p.uptime_ms + (p.state === "STOPPED" ? 0 : screen.now - model.fetchedAt));
  const series = model.spark.get(p.name);
  // CPU from 0 to the window's highest (10% at least, so that idle noise stays low); memory from the
  // window's lowest to its highest, so that growth shows
  const cpuLine = sparkline(series?.cpu ?? [], spark, { low: 0, high: Math.max(10, ...(series?.cpu.slice(-spark) ?? []).map((v) => v ?? 0)) });
  const memLine = sparkline(series?.memory ?? [], spark, memoryScale(series?.memory.slice(-spark) ?? []));
  const cells = [
    p.state.padEnd(8), (p.pid === null ? "-" : String(p.pid)).padStart(7), uptime.padStart(7), String(p.restarts).padStart(4),
    (p.cpu_percent === null ? "-" : p.cpu_percent.toFixed(1)).padStart(6),
  ];
  const memory = formatBytes(p.pss_bytes ?? p.rss_bytes).padStart(7);
  const health = (p.health ?? "-").padEnd(9);
  // colour inside a reversed row would fight the reverse: the selected row is plain
  const paintIf = (code: number | undefined, text: string) => (selected || code === undefined ? text : style.colour(code, text));
  const text = `${selected ? ">" : " "}${fit(visible(p.name), name).padEnd(name)} ${paintIf(STATE_COLOURS[p.state], cells[0]!)} ${cells.slice(1).join(" ")} ` +
    `${paintIf(ANSI.cyan, cpuLine)} ${memory} ${paintIf(ANSI.cyan, memLine)} ${paintIf(p.health ? HEALTH_COLOURS[p.health] : undefined, health)}`;
  return fitStyled(text, screen.width);
}

function title(model: TopModel, rows: readonly ProcessStatus[], screen: Screen): string {
  const counts = new Map<string, number>();
  for (const p of model.processes) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  const states = [...counts].map(([state, n]) => `${n} ${state}`).join(", ");
  const shown = rows.length === model.processes.length ? `${rows.length} processes` : `${rows.length} of ${model.processes.length} processes`;
  const sort = model.sort === "config" ? "" : ` · sort: ${model.sort}`;
  const filter = model.filter ? ` · filter: ${visible(model.filter)}` : "";
  const left = model.lost ? `tsvisor top · ${model.lost}` : `tsvisor top · ${shown}${states ? `: ${states}` : ""}${sort}${filter}`;
  const clock = new Date(screen.now).toTimeString().slice(0, 8);
  const room = screen.width - clock.length - 1;
  return `${fit(left, room).padEnd(room)} ${clock}`.slice(0, screen.width);
}

function paneTitle(model: TopModel, width: number): string {
  const label = model.log
    ? ` log of ${visible(model.log.name)} (${model.log.stream}, following; Tab: ${model.log.stream === "stdout" ? "stderr" : "stdout"}, l: close) `
    : " events ";
  return `──${label}${"─".repeat(Math.max(0, width - label.length - 2))}`;
}

function pane(model: TopModel, height: number, screen: Screen, style: Styler): string[] {
  let lines: string[];
  if (model.log) {
    const { log } = model;
    lines = log.error !== null ? [` ${log.error}`] : [...log.lines, ...(log.partial ? [visible(log.partial)] : [])].slice(-height);
    if (log.error === null && lines.length === 0) lines = [" (nothing written yet; new lines appear here)"];
  } else {
    lines = model.events.slice(-height).map((e) => eventLine(e, style));
  }
  const fitted = lines.map((l) => fitStyled(l, screen.width));
  while (fitted.length < height) fitted.push("");
  return fitted;
}

// "14:03:01 web RUNNING → EXITED pid 42: exit status 1; not expected"
export function eventLine(e: EventRecord, style: Styler = styler({ colour: false, styles: false })): string {
  const clock = new Date(e.time).toTimeString().slice(0, 8);
  const what = e.from_state !== null && e.to_state !== null && e.from_state !== e.to_state
    ? `${e.from_state} → ${e.to_state}` : e.type.replace(/^PROCESS_STATE_/, "");
  const colour = e.to_state !== null && e.from_state !== e.to_state ? STATE_COLOURS[e.to_state] : e.type === "HEALTH_UNHEALTHY" ? ANSI.red : undefined;
  const body = `${visible(e.program ?? "tsvisor")} ${colour === undefined ? what : style.colour(colour, what)}${e.pid !== null ? ` pid ${e.pid}` : ""}`;
  return ` ${style.dim(clock)} ${body}${e.reason ? `: ${visible(e.reason)}` : ""}`;
}

function footer(model: TopModel, width: number, style: Styler): string {
  const { mode } = model;
  if (mode.kind === "confirm") return style.bold(fit(`${mode.verb} ${visible(mode.name)}? [y/N]`, width));
  if (mode.kind === "filter") return fit(`filter: ${visible(mode.text)}▏ (Enter: keep, Esc: clear)`, width);
  if (model.message) return fit(visible(model.message), width);
  return style.dim(fit(KEYS, width));
}

// "42s", "5m03s", "2h10m", "3d04h": the two largest units, at most 7 characters.
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

interface Styler {
  colour(code: number, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
  reverse(text: string): string;
}

function styler({ colour, styles }: { colour: boolean; styles: boolean }): Styler {
  const sgr = (code: number) => (text: string) => (styles ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { colour: (code, text) => (colour ? paint(code, text) : text), bold: sgr(1), dim: sgr(2), reverse: sgr(7) };
}

// At most `width` characters, "…" where it was cut.
function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

// As fit(), counting only what shows: escape sequences take no room and are kept whole.
function fitStyled(text: string, width: number): string {
  let shown = 0;
  let out = "";
  for (const part of text.split(/(\u001b\[[0-9;]*m)/)) {
    if (part.startsWith("\u001b[")) {
      out += part;
      continue;
    }
    const chars = [...part];
    if (shown + chars.length > width) {
      out += `${chars.slice(0, Math.max(0, width - shown - 1)).join("")}…\u001b[0m`;
      return text.includes("\u001b[") ? out : out.replace(/\u001b\[0m$/, "");
    }
    out += part;
    shown += chars.length;
  }
  return out;
}
