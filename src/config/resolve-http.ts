// [http] -> HttpConfig (or null: the table is absent and nothing listens), every problem reported as
// a diagnostic like the other sections. The rules across keys are the security ones: a listen
// address other than loopback or a unix socket needs a token, and the token comes from one place,
// `token` or `token_file` (docs/http.md "Security"). `token` and `password` expand ${VAR} from
// tsvisor's environment; `secret` hears each variable they name, to be kept from every program.
import { statSync } from "node:fs";
import { resolve as resolvePath, dirname } from "node:path";
import { HTTP_DEFAULTS } from "./defaults.ts";
import { expandVariables } from "./expand.ts";
import { isLoopbackHost } from "./loopback.ts";
import type { RawEntry } from "./merge.ts";
import type { Reporter, ResolveContext } from "./resolve.ts";
import type { HttpConfig, HttpListen } from "./schema.ts";
import { unknownKey } from "./suggest.ts";
import { readTokenFile } from "./token-file.ts";
import { ValueError, show } from "./value-error.ts";
import * as values from "./values.ts";

const HTTP_KEYS = ["listen", "token", "token_file", "read_only", "socket_mode", "username", "password"];
/** Shorter tokens are refused: a bearer token is the only lock on a non-loopback address. */
export const MIN_TOKEN_LENGTH = 16;

export function resolveHttp(
  entries: ReadonlyMap<string, RawEntry>, ctx: Pick<ResolveContext, "env" | "uid">, report: Reporter, secret: (name: string) => void,
): HttpConfig | null {
  if (entries.size === 0) return null;
  const http: Partial<HttpConfig> = { ...HTTP_DEFAULTS };
  for (const [key, { file, value }] of entries) {
    const at = ["http", key];
    if (key === "listen") http.listen = report.convert(file, at, () => listen(value, file));
    else if (key === "token") http.token = report.convert(file, at, () => token(value, ctx.env, secret)) ?? null;
    else if (key === "token_file") {
      const path = report.convert(file, at, () => resolvePath(dirname(file), values.text(value)));
      http.token_file = path ?? null;
      // Read now, and again at each reload: rotating the secret's file and reloading changes the token.
      if (path !== undefined && !entries.has("token")) {
        http.token = report.convert(file, at, () => checkToken(readTokenFile(path, trustedOwners(file, ctx.uid)), ` (from ${path})`)) ?? null;
      }
    } else if (key === "read_only") http.read_only = report.convert(file, at, () => values.boolean(value)) ?? HTTP_DEFAULTS.read_only;
    else if (key === "socket_mode") http.socket_mode = report.convert(file, at, () => values.fileMode(value)) ?? HTTP_DEFAULTS.socket_mode;
    else if (key === "username") http.username = report.convert(file, at, () => basicUsername(value)) ?? null;
    else if (key === "password") http.password = report.convert(file, at, () => secretPassword(value, ctx.env, secret)) ?? null;
    else report.add(file, at, unknownKey(key, HTTP_KEYS));
  }
  const first = entries.values().next().value!.file;
  const listenEntry = entries.get("listen");
  if (listenEntry === undefined) {
    report.add(first, ["http"], `missing required key "listen"`, { hint: 'add listen = "127.0.0.1:9001" to [http] (or remove [http]: nothing listens then)' });
    return null;
  }
  if (http.listen === undefined) return null; // reported by its converter
  const tokenFileEntry = entries.get("token_file");
  if (tokenFileEntry !== undefined && entries.has("token")) {
    report.add(tokenFileEntry.file, ["http", "token_file"], "token and token_file are both set; the token must come from one of them", {
      hint: "remove token (token_file keeps the secret out of every program's environment)",
    });
  }
  const tcp = http.listen.type === "tcp" ? http.listen : null;
  const userEntry = entries.get("username");
  const passwordEntry = entries.get("password");
  if ((userEntry === undefined) !== (passwordEntry === undefined)) {
    const [set, missing] = userEntry === undefined ? ["password", "username"] : ["username", "password"];
    report.add((userEntry ?? passwordEntry)!.file, ["http", set], `${set} is set without ${missing}; basic auth needs both`, { hint: `add ${missing}, or remove ${set}` });
  }
  const basic = userEntry !== undefined && passwordEntry !== undefined;
  const beyondLoopback = tcp !== null && !isLoopbackHost(tcp.host);
  if (beyondLoopback && !entries.has("token") && tokenFileEntry === undefined && !basic) {
    report.add(listenEntry.file, ["http", "listen"], `${show(listenEntry.value)} is not a loopback address, so [http] needs a token (or username and password)`, {
      at: "value", hint: 'add token_file = "/run/secrets/tsvisor_token" to [http] (a file only root can read), or listen on "127.0.0.1:PORT" or a unix socket path',
    });
  }
  // Beyond loopback the password is a lock anyone on the network may try: as long as a token must be.
  if (beyondLoopback && passwordEntry !== undefined && http.password !== null && http.password !== undefined && !isShaPassword(http.password) && http.password.length < MIN_TOKEN_LENGTH) {
    report.add(passwordEntry.file, ["http", "password"], `the password is ${http.password.length} characters long; on a listen address beyond loopback at least ${MIN_TOKEN_LENGTH} are needed`, {
      hint: "generate one with: head -c 24 /dev/urandom | base64 (and write it as {SHA} followed by the hex SHA-1 of it to keep it out of the file)",
    });
  }
  const modeEntry = entries.get("socket_mode");
  if (tcp !== null && modeEntry !== undefined) {
    report.add(modeEntry.file, ["http", "socket_mode"], "socket_mode applies to a unix socket only; listen is a TCP address", {
      hint: "remove socket_mode, or listen on a unix socket path",
    });
  }
  return http as HttpConfig;
}

// "127.0.0.1:9001", "[::1]:9001", "0.0.0.0:0" -> TCP; anything with a "/" -> a unix socket path, relative
// to the file's directory like every path in the config.
function listen(value: unknown, file: string): HttpListen {
  const text = values.text(value).trim();
  if (text.includes("/")) return { type: "unix", path: resolvePath(dirname(file), text) };
  try {
    return { type: "tcp", ...values.hostPort(text, 0) };
  } catch {
    throw new ValueError(`expected "HOST:PORT" (port 0 to 65535, e.g. "127.0.0.1:9001" or "[::1]:9001") or a unix socket path; got ${show(value)}`);
  }
}

// The token with ${VAR} expanded; `named` hears each variable it names.
function token(value: unknown, env: Record<string, string | undefined>, named: (name: string) => void): string {
  if (typeof value !== "string") throw new ValueError(`expected a string, e.g. "\${TSVISOR_TOKEN}"; got ${show(value)}`);
  const expanded = expandVariables(value, env, named);
  return checkToken(expanded, expanded === value ? "" : ` (expanded from ${show(value)})`);
}

// Whose links, directories and files may hold the token: root, tsvisor's own user, and the owner of
// the config file that names it (who could write the token into the config itself).
function trustedOwners(file: string, uid: number): Set<number> {
  return new Set([0, uid, statSync(file).uid]);
}

// Sent in a header, so visible ASCII only, and long enough to guess at no price; `from` says where it
// came from (never the token itself).
function checkToken(text: string, from: string): string {
  if (!/^[\x21-\x7e]*$/.test(text)) throw new ValueError(`the token${from} may hold only visible ASCII characters, no spaces`);
  if (text.length < MIN_TOKEN_LENGTH) {
    throw new ValueError(`the token${from} is ${text.length} characters long; at least ${MIN_TOKEN_LENGTH} are needed`, {
      hint: "generate one with: head -c 24 /dev/urandom | base64",
    });
  }
  return text;
}

// supervisord's username: it travels in a Basic header as "user:password", so no ":" and visible text.
export function basicUsername(value: unknown): string {
  const text = values.text(value);
  if (text.length > 256 || !/^[\x21-\x39\x3b-\x7e\u00a0-\uffff]+$/.test(text)) throw new ValueError(`expected a user name of visible characters without ":" or spaces (at most 256); got ${show(value)}`);
  return text;
}

// A password written in the config with ${VAR} expanded, as the token is: an operator who keeps the
// secret in tsvisor's environment gets it there, not the guessable text "${VAR}" (before 2026-12-07 it
// was taken literally, and the variable still reached every program). "$$" is a literal "$".
export function secretPassword(value: unknown, env: Record<string, string | undefined>, named: (name: string) => void): string {
  if (typeof value !== "string") throw new ValueError(`expected a string, e.g. "\${TSVISOR_PASSWORD}"; got ${show(value)}`);
  return basicPassword(expandVariables(value, env, named));
}

// supervisord's password: plain text, or "{SHA}" followed by the 40 hex digits of its SHA-1.
export function basicPassword(value: unknown): string {
  const text = values.text(value);
  if (text.startsWith("{SHA}") && !isShaPassword(text)) throw new ValueError('a "{SHA}" password must be followed by the 40 hex digits of the SHA-1 of the password', { hint: "echo -n PASSWORD | sha1sum" });
  if (text.length > 1024 || /[\x00-\x1f\x7f]/.test(text)) throw new ValueError("expected a password of at most 1024 characters without control characters");
  return text;
}

const isShaPassword = (text: string) => /^\{SHA\}[0-9a-fA-F]{40}$/.test(text);
