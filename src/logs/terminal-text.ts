// Program output shown on a terminal, with its control characters made visible: a program (any
// user's) must not steer the terminal of the operator reading it (docs/security.md, "Program output
// on a terminal"): OSC 52 writes the clipboard, CSI erases or rewrites lines and fakes tsvisor's own,
// a title sequence answers back on some terminals. Only what goes to a terminal is changed; log files,
// pipes and the APIs keep the bytes as written.
// ESC becomes "^[" (as `cat -v` and less show it), CR "^M", DEL "^?"; C1 controls (U+0080-U+009F, which
// some terminals take as ESC + a letter) show as "^[" and that letter. Tab and newline stay.
// Unicode's bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069) show as
// "<U+202E>": a terminal that does bidi would let a program reorder what the operator reads on a line,
// tsvisor's own text beside it included ("Trojan Source"; red team, 2026-12-07).
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character but tab and newline shown in caret notation, bidi controls by their code. */
export function showControls(text: string): string {
  return text.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    if (code > 0xff) return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
    if (code === 0x7f) return "^?";
    return code < 0x20 ? `^${String.fromCharCode(code + 0x40)}` : `^[${String.fromCharCode(code - 0x40)}`;
  });
}

/**
 * Bytes for a terminal, piece after piece of one stream: UTF-8 decoded across pieces (a character cut
 * between two reads stays whole; invalid bytes show as U+FFFD), controls shown as above.
 */
export class TerminalText {
  private readonly decoder = new TextDecoder("utf-8");

  push(bytes: Uint8Array): Buffer {
    return Buffer.from(showControls(this.decoder.decode(bytes, { stream: true })));
  }
}
