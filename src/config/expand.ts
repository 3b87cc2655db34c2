// ${VAR} and ${VAR:-default} in environment values, from tsvisor's own environment.
// Only `environment` values are expanded: a command is exec'd as written (use `sh -c` for a shell),
// and expanding paths or names silently would make the file mean different things on different hosts.
import { ValueError, show } from "./value-error.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// "${DB:-sqlite://x}" -> env.DB when set and non-empty, else "sqlite://x"; "$$" -> "$"; a lone "$" stays.
// `named` hears each variable name the value refers to.
export function expandVariables(value: string, env: Record<string, string | undefined>, named: (name: string) => void = () => {}): string {
  let out = "";
  let i = 0;
  // text between two "$" is copied in one piece: a value may be a long blob (a key, a JSON document)
  for (let dollar = value.indexOf("$"); dollar >= 0; dollar = value.indexOf("$", i)) {
    out += value.slice(i, dollar);
    const next = value[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
    } else if (next === "{") {
      const end = value.indexOf("}", dollar + 2);
      if (end < 0) throw new ValueError(`unterminated "\${" in ${show(value)}`, { hint: 'write "$$" for a literal "$"' });
      out += lookup(value.slice(dollar + 2, end), value, env, named);
      i = end + 1;
    } else {
      out += "$";
      i = dollar + 1;
    }
  }
  return out + value.slice(i);
}

// The inside of one ${...}: NAME or NAME:-default (the default is literal text, not expanded again).
function lookup(inner: string, value: string, env: Record<string, string | undefined>, named: (name: string) => void): string {
  const sep = inner.indexOf(":-");
  const name = sep < 0 ? inner : inner.slice(0, sep);
  if (!NAME.test(name)) {
    throw new ValueError(`invalid variable reference "\${${inner}}" in ${show(value)}`, {
      hint: 'use ${NAME} or ${NAME:-default}; write "$$" for a literal "$"',
    });
  }
  // "${A:-${B}}" ends at the first "}", and its default would be the text "${B" with a "}" left after
  // it: refused rather than taken so (a password would silently be another one).
  if (sep >= 0 && inner.includes("${", sep)) {
    throw new ValueError(`a default cannot hold another reference: "\${${inner}}" in ${show(value)}`, {
      hint: 'a default is literal text: write ${NAME:-text}, or set NAME; write "$$" for a literal "$"',
    });
  }
  named(name);
  // Object.hasOwn: "${constructor}" names a variable, never Object.prototype's function
  const current = Object.hasOwn(env, name) ? env[name] : undefined;
  if (sep >= 0) return current === undefined || current === "" ? inner.slice(sep + 2) : current;
  if (current === undefined) {
    throw new ValueError(`variable ${name} is not set`, {
      hint: `export ${name} before starting tsvisor, or write \${${name}:-} for an empty default`,
    });
  }
  return current;
}
