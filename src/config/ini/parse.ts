// supervisord.conf's syntax, as Python's configparser reads it for supervisord (RawConfigParser with
// inline_comment_prefixes ";" and "#", strict off): [section] headers, `key = value` or `key: value`
// lines (keys lower-cased), continuation lines indented deeper than their key, blank lines kept inside
// a value, full-line comments, and inline comments only after whitespace (`a;b` is a value, `a ;b` is
// `a`). Every key and value keeps its line and column, so a later error points at what was written.
// One pass over the text, each line looked at once: no input makes it slower than linear.
import type { TextProblem } from "../input-bounds.ts";

/** One `key = value` of a section, value with its continuation lines joined by "\n". */
export interface IniEntry {
  /** Lower-cased, as configparser's optionxform makes it. */
  key: string;
  value: string;
  /** 1-based position of the key. */
  line: number;
  column: number;
  /** 1-based position of the value's first character (just past the delimiter when it is empty). */
  valueLine: number;
  valueColumn: number;
}

/** One `[name]` header and the entries under it, in file order (a key may come twice). */
export interface IniSection {
  name: string;
  line: number;
  column: number;
  entries: IniEntry[];
}

/** A parsed file: its sections in order (a name may come twice: configparser merges them), and bad lines. */
export interface IniDocument {
  sections: IniSection[];
  problems: TextProblem[];
}

const SECTION = /^\[(.+)\]/;
// configparser's OPTCRE: the key is everything before the first "=" or ":"
const OPTION = /^(.*?)\s*([=:])\s*(.*)$/s;

// The text of one file -> its sections and the lines that are neither header, option, comment nor continuation.
export function parseIni(text: string): IniDocument {
  const sections: IniSection[] = [];
  const problems: TextProblem[] = [];
  let section: IniSection | null = null;
  // the entry continuation lines add to, its lines so far, and the indentation of its key's line
  let entry: IniEntry | null = null;
  let parts: string[] = [];
  let indent = 0;
  const finish = () => {
    if (entry !== null) entry.value = parts.join("\n").trimEnd();
    [entry, parts] = [null, []];
  };
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!.endsWith("\r") ? lines[index]!.slice(0, -1) : lines[index]!;
    const lineNo = index + 1;
    const commentAt = commentStart(raw);
    const content = raw.slice(0, commentAt ?? raw.length);
    const value = content.trim();
    if (value === "") {
      // configparser keeps a blank line inside a value (trailing ones are dropped at the end), not a comment line
      if (commentAt === null && entry !== null) parts.push("");
      continue;
    }
    const lineIndent = raw.length - raw.trimStart().length;
    if (entry !== null && lineIndent > indent) {
      parts.push(value);
      continue;
    }
    finish();
    indent = lineIndent;
    const header = SECTION.exec(value);
    if (header) {
      section = { name: header[1]!, line: lineNo, column: lineIndent + 1, entries: [] };
      sections.push(section);
      continue;
    }
    if (section === null) {
      problems.push({ line: lineNo, column: lineIndent + 1, message: "a key before any [section] header: supervisord.conf starts with a header such as [supervisord]" });
      continue;
    }
    const option = OPTION.exec(value);
    if (option === null || option[1]!.trimEnd() === "") {
      problems.push({ line: lineNo, column: lineIndent + 1, message: `expected "key = value" or a [section] header; got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}` });
      continue;
    }
    const key = option[1]!.trimEnd();
    const valueColumn = lineIndent + value.length - option[3]!.length + 1;
    entry = { key: key.toLowerCase(), value: "", line: lineNo, column: lineIndent + 1, valueLine: lineNo, valueColumn };
    parts = [option[3]!];
    section.entries.push(entry);
  }
  finish();
  return { sections, problems };
}

// Where an inline or full-line comment starts, or null: ";" or "#" at the start of the line or after
// whitespace (configparser's inline_comment_prefixes), or first on the line after indentation.
function commentStart(line: string): number | null {
  const first = line.length - line.trimStart().length;
  if (line[first] === ";" || line[first] === "#") return first;
  for (let i = first + 1; i < line.length; i++) {
    const c = line[i];
    if ((c === ";" || c === "#") && isSpace(line[i - 1]!)) return i;
  }
  return null;
}

const isSpace = (c: string) => c === " " || c === "\t" || c === "\f" || c === "\v" || c === "\r" || /\s/.test(c);
