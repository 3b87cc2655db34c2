// What the loader refuses before it resolves anything: files too large, bytes that are not UTF-8,
// values nested past MAX_NESTING, and strings no program can receive (a NUL ends a C string, so a
// path, argument or variable holding one would be cut short, or make the spawn fail). Each problem
// is located, so it reads like any other config error (README "Limits").
import { isUtf8 } from "node:buffer";
import { MAX_DIAGNOSTICS } from "./diagnostic.ts";
import { MAX_NESTING } from "./limits.ts";

/** A problem in the bytes of a file, at a 1-based line and column. */
export interface TextProblem {
  line: number;
  column: number;
  message: string;
}

/** A problem with a parsed value. */
export interface ValueProblem {
  /** Its key path, array elements by index. */
  path: string[];
  /** Where to point in the text: the path, or for an array element the array's (elements have no key to find). */
  at: string[];
  /** Point at the key itself, or at its value. */
  part: "key" | "value";
  message: string;
}

// File bytes -> the text, or where the first byte that is not UTF-8 is. TOML files are UTF-8; decoding
// anything else would turn each bad byte into U+FFFD and quietly name another file or directory.
export function decodeConfigText(bytes: Buffer, kind = "a TOML file"): { text: string } | { problem: TextProblem; text: string } {
  const text = bytes.toString("utf8");
  if (isUtf8(bytes)) return { text };
  const offset = invalidUtf8At(bytes);
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  const line = countNewlines(bytes, lineStart) + 1;
  const column = bytes.subarray(lineStart, offset).toString("utf8").length + 1;
  const byte = bytes[offset]!.toString(16).padStart(2, "0");
  return { text, problem: { line, column, message: `invalid UTF-8 (byte 0x${byte}): ${kind} must be UTF-8 text` } };
}

// Every NUL in a key or string (up to MAX_DIAGNOSTICS), and the first table or array nested deeper than MAX_NESTING (whose
// inside is not looked at). Iterative, and only tables and arrays are kept on its stack, so no input
// can exhaust the stack or the memory.
export function findUnsafeValues(table: Record<string, unknown>): ValueProblem[] {
  const problems: ValueProblem[] = [];
  let tooDeep = false;
  const stack: Container[] = [{ value: table, depth: 0, key: "", parent: null }];
  while (stack.length > 0 && problems.length < MAX_DIAGNOSTICS) {
    const node = stack.pop()!;
    if (node.depth === MAX_NESTING) {
      const path = pathOf(node);
      if (!tooDeep) problems.push({ path, at: path, part: "key", message: `nested more than ${MAX_NESTING} levels deep (tables, arrays and dotted keys)` });
      tooDeep = true;
      continue;
    }
    const inArray = Array.isArray(node.value);
    const entries = Array.isArray(node.value) ? node.value.entries() : Object.entries(node.value);
    for (const [index, child] of entries) {
      const key = String(index);
      const problem = (part: "key" | "value", message: string) => {
        const path = [...pathOf(node), key];
        problems.push({ path, at: inArray ? path.slice(0, -1) : path, part, message });
      };
      if (key.includes("\0")) problem("key", `the key ${quoted(key)} holds a NUL character (\\u0000)`);
      if (typeof child === "string" && child.includes("\0")) {
        problem("value", `${quoted(child)} holds a NUL character (\\u0000), which no path, argument or variable can contain`);
      } else if (child !== null && typeof child === "object" && !(child instanceof Date)) {
        stack.push({ value: child, depth: node.depth + 1, key, parent: node });
      }
    }
  }
  return problems;
}

interface Container {
  value: object;
  depth: number;
  key: string;
  parent: Container | null;
}

// The key path of a table or array, from the top.
function pathOf(node: Container): string[] {
  const path: string[] = [];
  for (let n: Container | null = node; n !== null && n.parent !== null; n = n.parent) path.push(n.key);
  return path.reverse();
}

// A string in a message: JSON's escapes show the NUL, and a long one is cut.
function quoted(text: string): string {
  const shown = JSON.stringify(text.slice(0, 60));
  return text.length > 60 ? `${shown.slice(0, -1)}..."` : shown;
}

// The offset of the first byte that does not begin or continue a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing past U+10FFFF); bytes.length when there is none.
function invalidUtf8At(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1]!;
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return i;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}
