// Whether a stream gets ANSI colour, and the codes: the one rule for tsvisor's own log lines on a
// terminal, the status table and the usage text. Colour is for a person at a terminal
// (https://no-color.org): never into a pipe or a file, never with NO_COLOR (set and not empty) or TERM=dumb.
// A leaf: imports nothing from src/.

export const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, gray: 90 } as const;

export function wantsColour(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
}

/** `text` in one ANSI colour (reset after it). */
export function paint(code: number, text: string): string {
  return `\u001b[${code}m${text}\u001b[0m`;
}

/** `text` without any ANSI escape sequence (for a pipe, a file, NO_COLOR). */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
}
