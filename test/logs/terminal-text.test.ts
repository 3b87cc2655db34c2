import { expect, test } from "bun:test";
import { showControls, TerminalText } from "../../src/logs/terminal-text.ts";

test("every control character but tab and newline is shown in caret notation: C0, DEL and C1", () => {
  expect(showControls("a\tb\n\u001b]52;c;eA==\u0007\u001b[2K\rfake\u0000\u007f\u009b2J\u0085")).toBe("a\tb\n^[]52;c;eA==^G^[[2K^Mfake^@^?^[[2J^[E");
});

test("text without controls, other languages and emoji included, is unchanged", () => {
  expect(showControls("plain: é, ü, 日本, 🙂")).toBe("plain: é, ü, 日本, 🙂");
});

test("a UTF-8 character cut between two pieces stays whole; invalid bytes show as U+FFFD, not as a C1 control", () => {
  const text = new TerminalText();
  const e = Buffer.from("é");
  expect([text.push(e.subarray(0, 1)).toString(), text.push(Buffer.concat([e.subarray(1), Buffer.from([0x9b, 0x32, 0x4a])])).toString()]).toEqual(["", "é\uFFFD2J"]);
});

test("Unicode's bidirectional controls are shown by their code, other characters of right-to-left languages as they are", () => {
  expect(showControls("a\u202eb\u2066c\u200fd\u061ce \u05e9\u05dc\u05d5\u05dd")).toBe("a<U+202E>b<U+2066>c<U+200F>d<U+061C>e \u05e9\u05dc\u05d5\u05dd");
});
