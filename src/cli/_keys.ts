// What a terminal in raw mode sends -> the keys `tsvisor top` reads: arrows and paging as their
// escape sequences (xterm's and the VT100's application mode), Enter, Escape, Backspace, Tab,
// Ctrl-C, and every other character as itself. Pure.

export type Key =
  | "up" | "down" | "pageup" | "pagedown" | "home" | "end" | "enter" | "escape" | "backspace" | "tab" | "ctrl-c"
  | { char: string };

const SEQUENCES: [string, Key][] = [
  ["\u001b[A", "up"], ["\u001bOA", "up"], ["\u001b[B", "down"], ["\u001bOB", "down"],
  ["\u001b[5~", "pageup"], ["\u001b[6~", "pagedown"],
  ["\u001b[H", "home"], ["\u001bOH", "home"], ["\u001b[1~", "home"], ["\u001b[F", "end"], ["\u001bOF", "end"], ["\u001b[4~", "end"],
];

// One chunk of input -> its keys, in order. A sequence nobody here knows (F-keys, the mouse) is
// dropped whole; a lone ESC at the end of a chunk is the Escape key.
export function decodeKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  for (let i = 0; i < chunk.length; ) {
    const known = SEQUENCES.find(([sequence]) => chunk.startsWith(sequence, i));
    if (known) {
      keys.push(known[1]);
      i += known[0].length;
      continue;
    }
    const c = chunk[i]!;
    if (c === "\u001b") {
      const other = /^\u001b(\[[0-9;?]*[ -/]*[@-~]|O.)/.exec(chunk.slice(i));
      if (other) {
        i += other[0].length;
        continue;
      }
      keys.push("escape");
    } else if (c === "\r" || c === "\n") keys.push("enter");
    else if (c === "\u007f" || c === "\b") keys.push("backspace");
    else if (c === "\t") keys.push("tab");
    else if (c === "\u0003") keys.push("ctrl-c");
    else if (c >= " ") keys.push({ char: c });
    i++;
  }
  return keys;
}
