// What translating a supervisord.conf builds: the raw tables the TOML reader would have made, where
// each of their keys was written in the INI files (so a diagnostic about a TOML key path points at
// `[program:web] stopsignal`), what tsvisor does differently (notes, for `config import`), and the
// errors and warnings found. Diagnostics are capped as resolve.ts's are.
import { type Diagnostic, MAX_DIAGNOSTICS } from "../diagnostic.ts";
import type { RawEntry } from "../merge.ts";
import type { IniSectionRead, IniValue } from "./read.ts";

/** Where a TOML key path came from in the INI files, and its INI name. */
export interface Origin {
  file: string;
  line: number;
  column: number;
  valueLine: number;
  valueColumn: number;
  /** "[program:web] stopsignal", "[program:web]". */
  display: string;
}

/** Something in the INI files a diagnostic may point at: a key's value, or a section header. */
export type Place = { value: IniValue; section: string } | { section: IniSectionRead };

export const pathId = (path: readonly string[]) => JSON.stringify(path);

export class RawBuilder {
  readonly supervisor = new Map<string, RawEntry>();
  readonly programs = new Map<string, RawEntry>();
  readonly groups = new Map<string, RawEntry>();
  readonly eventlisteners = new Map<string, RawEntry>();
  readonly http = new Map<string, RawEntry>();
  readonly origins = new Map<string, Origin>();
  /** TOML key path -> why it means what it does (a supervisord default kept, a key renamed). */
  readonly notes = new Map<string, string>();
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** Diagnostics past MAX_DIAGNOSTICS, counted only. */
  omitted = 0;

  // A setting of a table such as [supervisor]: the entry and where it came from.
  setting(table: Map<string, RawEntry>, top: string, key: string, value: unknown, place: Place, note?: string): void {
    table.set(key, { file: fileOf(place), value });
    this.remember([top, key], place, note);
  }

  // A key of a named table such as [programs.web].
  tableKey(table: Record<string, unknown>, path: readonly string[], value: unknown, place: Place | null, note?: string): void {
    table[path[path.length - 1]!] = value;
    if (place !== null) this.remember(path, place);
    if (note !== undefined) this.notes.set(pathId(path), note);
  }

  remember(path: readonly string[], place: Place, note?: string): void {
    this.origins.set(pathId(path), originOf(place));
    if (note !== undefined) this.notes.set(pathId(path), note);
  }

  // The origins and notes of `keys` of one table, for another made from it.
  copyOrigins(from: readonly string[], to: readonly string[], keys: readonly string[]): void {
    for (const key of keys) {
      const origin = this.origins.get(pathId([...from, key]));
      if (origin !== undefined) this.origins.set(pathId([...to, key]), origin);
      const note = this.notes.get(pathId([...from, key]));
      if (note !== undefined) this.notes.set(pathId([...to, key]), note);
    }
  }

  error(place: Place, message: string, hint?: string, part: "key" | "value" = "value"): void {
    this.add(this.errors, place, message, hint, part);
  }

  warn(place: Place, message: string, hint?: string, part: "key" | "value" = "key"): void {
    this.add(this.warnings, place, message, hint, part);
  }

  private add(list: Diagnostic[], place: Place, message: string, hint: string | undefined, part: "key" | "value"): void {
    if (list.length >= MAX_DIAGNOSTICS) return void this.omitted++;
    const o = originOf(place);
    const [line, column] = part === "value" ? [o.valueLine, o.valueColumn] : [o.line, o.column];
    list.push({ file: o.file, line, column, path: o.display, message, ...(hint === undefined ? {} : { hint }) });
  }
}

function fileOf(place: Place): string {
  return "value" in place ? place.value.file : place.section.file;
}

export function originOf(place: Place): Origin {
  if ("value" in place) {
    const v = place.value;
    return { file: v.file, line: v.line, column: v.column, valueLine: v.valueLine, valueColumn: v.valueColumn, display: `[${place.section}] ${v.key}` };
  }
  const s = place.section;
  return { file: s.file, line: s.line, column: s.column, valueLine: s.line, valueColumn: s.column, display: `[${s.name}]` };
}
