// Python's shlex, the two ways supervisord uses it: shlex.split() turns a program's `command` into
// argv (POSIX rules: quotes group, a backslash escapes, nothing is expanded), and a non-POSIX
// shlex.shlex() tokenizes `environment` (datatypes.dict_of_key_value_pairs). Ported state for state
// from Python 3.11's read_token(), so a supervisord.conf splits here exactly as under supervisord,
// quirks included. Each character is read once.
import { ValueError, show } from "../value-error.ts";

const WHITESPACE = " \t\r\n";
const WORDCHARS = "abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
const QUOTES = "'\"";

// shlex.split(line): the argv supervisord execs for `command = line`.
export function shlexSplit(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    let word = "";
    let quoted = false;
    let state: "space" | "word" | "'" | '"' = "space";
    // the state an escape returns to: a word, or the double quote it is inside
    for (;;) {
      if (i >= line.length) {
        if (state === "'" || state === '"') throw new ValueError(`no closing quotation in ${show(line)}`, { hint: `close the ${state} quote, or escape it with a backslash` });
        break;
      }
      const c = line[i++]!;
      if (state === "space" || state === "word") {
        if (WHITESPACE.includes(c)) {
          if (state === "word" || quoted) break;
        } else if (c === "\\") {
          if (i >= line.length) throw new ValueError(`no escaped character after the last backslash in ${show(line)}`);
          word += line[i++];
          state = "word";
        } else if (QUOTES.includes(c)) {
          [state, quoted] = [c as "'" | '"', true];
        } else {
          [word, state] = [word + c, "word"];
        }
      } else if (c === state) {
        state = "word";
      } else if (state === '"' && c === "\\") {
        if (i >= line.length) throw new ValueError(`no escaped character after the last backslash in ${show(line)}`);
        const next = line[i++]!;
        // inside double quotes only the quote and the backslash itself are escaped
        word += next === '"' || next === "\\" ? next : `\\${next}`;
      } else {
        word += c;
      }
    }
    if (word === "" && !quoted) return words;
    words.push(word);
  }
}

// shlex.shlex(text) with `extraWordchars` added, non-POSIX: words, quoted strings with their quotes,
// and every other character a token of its own; "#" starts a comment that runs to the end of the line.
export function shlexTokens(text: string, extraWordchars: string): string[] {
  const wordchars = WORDCHARS + extraWordchars;
  const tokens: string[] = [];
  const pushback: string[] = [];
  let i = 0;
  const skipLine = () => {
    const end = text.indexOf("\n", i);
    i = end < 0 ? text.length : end + 1;
  };
  for (;;) {
    if (pushback.length > 0) {
      tokens.push(pushback.shift()!);
      continue;
    }
    let token = "";
    let state = " ";
    for (;;) {
      const c = i < text.length ? text[i++]! : "";
      if (state === " ") {
        if (c === "") break;
        if (WHITESPACE.includes(c)) {
          if (token !== "") break;
        } else if (c === "#") {
          skipLine();
        } else if (wordchars.includes(c)) {
          [token, state] = [c, "a"];
        } else if (QUOTES.includes(c)) {
          [token, state] = [c, c];
        } else {
          token = c;
          break;
        }
      } else if (QUOTES.includes(state)) {
        if (c === "") throw new ValueError(`no closing quotation in ${show(text)}`, { hint: `close the ${state} quote` });
        token += c;
        if (c === state) break;
      } else {
        if (c === "") break;
        if (WHITESPACE.includes(c)) break;
        if (c === "#") skipLine();
        else if (wordchars.includes(c) || QUOTES.includes(c)) token += c;
        else {
          pushback.push(c);
          break;
        }
      }
    }
    if (token === "") return tokens;
    tokens.push(token);
  }
}
