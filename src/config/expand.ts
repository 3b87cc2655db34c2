// ${VAR} and ${VAR:-default} in environment values, from tsvisor's own environment.
// Only `environment` values are expanded: a command is exec'd as written (use `sh -c` for a shell),
// and expanding paths or names silently would make the file mean different things on different hosts.
import { ValueError, show } from "./value-error.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// "${DB:-sqlite://x}" -> env.DB when set and non-empty, else "sqlite://x"; "$$" -> "$"; a lone "$" stays.
// `named` hears each variable name the value refers to.
export function expandVariables(value: string, env: Record<string, string | undefined>, named: (name: string) => void = () => {}): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== "$" || (value[i + 1] !== "$" && value[i + 1] !== "{")) {
      out += c;
    } else if (value[i + 1] === "$") {
      out += "$";
      i++;
    } else {
      const end = value.indexOf("}", i + 2);
      if (end < 0) throw new ValueError(`unterminated "\${" in ${show(value)}`, { hint: 'write "$$" for a literal "$"' });
      out += lookup(value.slice(i + 2, end), value, env, named);
      i = end;
    }
  }
  return out;
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
  named(name);
  const current = env[name];
  if (sep >= 0) return current === undefined || current === "" ? inner.slice(sep + 2) : current;
  if (current === undefined) {
    throw new ValueError(`variable ${name} is not set`, {
      hint: `export ${name} before starting tsvisor, or write \${${name}:-} for an empty default`,
    });
  }
  return current;
}
