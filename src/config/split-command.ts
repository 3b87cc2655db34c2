// Split a command string into argv the way a POSIX shell would, without running one: quotes and
// backslashes group and escape, nothing is expanded or globbed. supervisord does the same with shlex.
import { ValueError, show } from "./value-error.ts";

// Whole unquoted words a shell would treat as syntax; passed to exec they would only confuse the program.
const SHELL_OPERATORS = new Set(["|", "||", "&", "&&", ";", ";;", "<", ">", ">>", "<<", "2>", "2>&1"]);

// "node server.js --name 'my app'" -> ["node", "server.js", "--name", "my app"]
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false; // '' is an empty argument, so a word can exist and be empty
  let quoted = false; // an operator character inside quotes is an argument, not shell syntax
  const finish = () => {
    if (inWord) {
      if (!quoted && SHELL_OPERATORS.has(word)) {
        throw new ValueError(
          `shell operator ${JSON.stringify(word)} in command ${show(line)}, but tsvisor runs no shell`,
          { hint: `to use a shell, write command = ["sh", "-c", ${show(line)}]` },
        );
      }
      words.push(word);
    }
    [word, inWord, quoted] = ["", false, false];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      finish();
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new ValueError(`command ends with a lone backslash: ${show(line)}`);
      const next = line[++i]!;
      // backslash-newline is a line continuation in a shell: it disappears
      if (next !== "\n") [word, inWord, quoted] = [word + next, true, true];
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ValueError(`unterminated single quote in command ${show(line)}`);
      [word, inWord, quoted] = [word + line.slice(i + 1, end), true, true];
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        // inside double quotes a backslash escapes only $ ` " \ and newline (POSIX); elsewhere it stays
        if (line[j] === "\\" && j + 1 < line.length && '$`"\\\n'.includes(line[j + 1]!)) {
          j++;
          if (line[j] !== "\n") word += line[j];
        } else {
          word += line[j];
        }
      }
      if (j >= line.length) throw new ValueError(`unterminated double quote in command ${show(line)}`);
      [inWord, quoted] = [true, true];
      i = j;
    } else {
      [word, inWord] = [word + c, true];
    }
  }
  finish();
  if (words.length === 0) throw new ValueError(`expected a command to run; got ${show(line)}`);
  return words;
}
