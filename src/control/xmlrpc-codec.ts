// XML-RPC on the wire (xmlrpc.com/spec, as supervisord's xmlrpc.py and Python's xmlrpclib speak it):
// a methodCall body -> method name and params; a result or a Fault -> a methodResponse body.
// The parser reads only what XML-RPC needs and refuses the rest: no DOCTYPE (so no entity can be
// defined, let alone expanded), no processing instruction, no entity but the five predefined ones and
// character references, only UTF-8, and bounded depth and element count, so a hostile body costs at
// most one linear pass over bytes the transport has already capped. Pure: a leaf of control/.

/** A value as XML-RPC carries it. Structs from a request are Maps: their keys come from the client. */
export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | XmlRpcStruct | ReadonlyMap<string, XmlRpcValue> | EncodedValue;

/** A value already encoded (encodeValue), sent as it is: so that its size is known before the rest is built. */
export class EncodedValue {
  constructor(readonly xml: string) {}
}

/** A struct to send: a plain object built by tsvisor (its keys are ours). */
export interface XmlRpcStruct {
  readonly [key: string]: XmlRpcValue;
}

/** A parsed <methodCall>. */
export interface MethodCall {
  method: string;
  params: XmlRpcValue[];
}

/** The body is not an XML-RPC call tsvisor reads; `message` says what is wrong, for the 400 answer. */
export class XmlRpcParseError extends Error {}

/** Longest request body read (by either transport); a longer one is refused (413) before it is parsed. */
export const MAX_RPC_BODY_BYTES = 256 * 1024;
/** Elements nested deeper than this are refused (a <value><array><data><value>… bomb). */
export const MAX_DEPTH = 64;
/** Elements in one body, at most. */
export const MAX_ELEMENTS = 100_000;
const MAX_METHOD_NAME = 256;

interface XmlElement {
  name: string;
  children: (XmlElement | string)[];
}

// A request body -> the call; throws XmlRpcParseError.
export function parseMethodCall(body: Uint8Array): MethodCall {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new XmlRpcParseError("the body is not UTF-8");
  }
  const root = new XmlReader(text).document();
  if (root.name !== "methodCall") throw new XmlRpcParseError(`the root element is <${root.name}>; expected <methodCall>`);
  const parts = elementsOf(root);
  const nameElement = parts.find((e) => e.name === "methodName");
  if (nameElement === undefined) throw new XmlRpcParseError("no <methodName>");
  const method = textOf(nameElement).trim();
  if (method === "" || method.length > MAX_METHOD_NAME || !/^[A-Za-z0-9_.:/]+$/.test(method)) throw new XmlRpcParseError("the method name is empty, too long or has characters XML-RPC does not allow");
  const paramsElement = parts.find((e) => e.name === "params");
  if (parts.some((e) => e.name !== "methodName" && e.name !== "params")) throw new XmlRpcParseError("<methodCall> holds elements other than <methodName> and <params>");
  const params = paramsElement === undefined ? [] : elementsOf(paramsElement).map((param) => {
    if (param.name !== "param") throw new XmlRpcParseError(`<params> holds <${param.name}>; expected <param>`);
    return valueOf(only(param, "value"));
  });
  return { method, params };
}

// A method's result -> the methodResponse body.
export function encodeResponse(value: XmlRpcValue): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${encodeValue(value)}\n</param>\n</params>\n</methodResponse>\n`;
}

// A Fault -> the methodResponse body (faultCode and faultString, as supervisord's RPCError gives them).
export function encodeFault(code: number, text: string): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n${encodeValue({ faultCode: code, faultString: text })}\n</fault>\n</methodResponse>\n`;
}

export function encodeValue(value: XmlRpcValue): string {
  if (typeof value === "string") return `<value><string>${escapeText(value)}</string></value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return `<value><int>${value}</int></value>`;
    return `<value><double>${Number.isFinite(value) ? value : 0}</double></value>`;
  }
  if (value === null) return "<value><nil/></value>";
  if (value instanceof EncodedValue) return value.xml;
  if (Array.isArray(value)) return `<value><array><data>\n${value.map(encodeValue).join("\n")}\n</data></array></value>`;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as XmlRpcStruct);
  return `<value><struct>\n${entries.map(([k, v]) => `<member>\n<name>${escapeText(k)}</name>\n${encodeValue(v)}\n</member>`).join("\n")}\n</struct></value>`;
}

// Text as XML 1.0 may carry it: markup escaped, CR kept as a reference (a parser would make it LF), and
// what XML 1.0 cannot carry at all (control characters: a program's colours, lone surrogates) as U+FFFD.
// Python's xmlrpclib sends those as they are, and its own parser then refuses the answer.
export function escapeText(text: string): string {
  return text
    .toWellFormed()
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "\uFFFD")
    .replace(/[&<>\r]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#13;"));
}

// --- reading values ---

function valueOf(element: XmlElement): XmlRpcValue {
  const typed = elementsOf(element);
  if (typed.length === 0) return textOf(element); // <value>text</value> is a string
  if (typed.length > 1 || element.children.some((c) => typeof c === "string" && c.trim() !== "")) throw new XmlRpcParseError("a <value> holds more than one value");
  const inner = typed[0]!;
  const text = () => textOf(inner);
  switch (inner.name) {
    case "string":
      return text();
    case "int":
    case "i4":
    case "i8": {
      const t = text().trim();
      const n = /^[+-]?\d{1,16}$/.test(t) ? Number(t) : Number.NaN;
      if (!Number.isSafeInteger(n)) throw new XmlRpcParseError(`<${inner.name}>${t.slice(0, 40)}</${inner.name}> is not an integer tsvisor takes`);
      return n;
    }
    case "boolean": {
      const t = text().trim();
      if (t !== "0" && t !== "1") throw new XmlRpcParseError("a <boolean> must be 0 or 1");
      return t === "1";
    }
    case "double": {
      const t = text().trim();
      const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/.test(t) ? Number(t) : Number.NaN;
      if (!Number.isFinite(n)) throw new XmlRpcParseError("a <double> is not a finite number");
      return n;
    }
    case "dateTime.iso8601":
      return text().trim();
    case "base64": {
      const t = text().replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw new XmlRpcParseError("a <base64> is not base64");
      return new TextDecoder().decode(Buffer.from(t, "base64"));
    }
    case "nil":
      return null;
    case "array":
      return elementsOf(only(inner, "data")).map((v) => {
        if (v.name !== "value") throw new XmlRpcParseError(`<data> holds <${v.name}>; expected <value>`);
        return valueOf(v);
      });
    case "struct": {
      const struct = new Map<string, XmlRpcValue>();
      for (const member of elementsOf(inner)) {
        if (member.name !== "member") throw new XmlRpcParseError(`<struct> holds <${member.name}>; expected <member>`);
        const parts = elementsOf(member);
        const name = parts.find((p) => p.name === "name");
        const value = parts.find((p) => p.name === "value");
        if (name === undefined || value === undefined || parts.length !== 2) throw new XmlRpcParseError("a <member> needs one <name> and one <value>");
        struct.set(textOf(name), valueOf(value));
      }
      return struct;
    }
    default:
      throw new XmlRpcParseError(`<${inner.name}> is no XML-RPC type`);
  }
}

// The one child element `name` of `element` (and nothing but whitespace beside it).
function only(element: XmlElement, name: string): XmlElement {
  const children = elementsOf(element);
  if (children.length !== 1 || children[0]!.name !== name) throw new XmlRpcParseError(`<${element.name}> must hold exactly one <${name}>`);
  return children[0]!;
}

function elementsOf(element: XmlElement): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== "string");
}

function textOf(element: XmlElement): string {
  if (element.children.some((c) => typeof c !== "string")) throw new XmlRpcParseError(`<${element.name}> holds elements where text was expected`);
  return (element.children as string[]).join("");
}

// --- reading XML: the subset XML-RPC needs ---

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const PREDEFINED: ReadonlyMap<string, string> = new Map([["lt", "<"], ["gt", ">"], ["amp", "&"], ["quot", '"'], ["apos", "'"]]);
// XML 1.0's Char production, less the surrogates a JS string may hold unpaired.
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

class XmlReader {
  private at = 0;
  private elements = 0;

  constructor(private readonly text: string) {}

  document(): XmlElement {
    if (this.text.startsWith("\uFEFF")) this.at = 1;
    if (this.text.startsWith("<?xml", this.at)) this.declaration();
    this.misc();
    if (!this.text.startsWith("<", this.at)) throw this.error("no root element");
    const root = this.element(1);
    this.misc();
    if (this.at !== this.text.length) throw this.error("content after the root element");
    return root;
  }

  private declaration(): void {
    const end = this.text.indexOf("?>", this.at);
    if (end < 0) throw this.error("an unterminated XML declaration");
    const declaration = this.text.slice(this.at, end);
    const encoding = /\bencoding\s*=\s*["']([^"']*)["']/.exec(declaration)?.[1];
    if (encoding !== undefined && !/^(utf-8|utf8|us-ascii|ascii)$/i.test(encoding)) throw this.error(`the encoding ${JSON.stringify(encoding.slice(0, 40))}; only UTF-8 is read`);
    this.at = end + 2;
  }

  // Whitespace and comments between the declaration, the root and the end; anything else is refused.
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.text.startsWith("<!--", this.at)) this.comment();
      else if (this.text.startsWith("<!", this.at)) throw this.error("a DOCTYPE or other declaration (refused: no entity is ever defined)");
      else if (this.text.startsWith("<?", this.at)) throw this.error("a processing instruction");
      else return;
    }
  }

  private element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) throw this.error(`elements nested deeper than ${MAX_DEPTH}`);
    if (++this.elements > MAX_ELEMENTS) throw this.error(`more than ${MAX_ELEMENTS} elements`);
    this.at++; // "<"
    const name = this.name();
    this.attributes();
    if (this.text.startsWith("/>", this.at)) {
      this.at += 2;
      return { name, children: [] };
    }
    this.expect(">");
    const children: (XmlElement | string)[] = [];
    let text = "";
    for (;;) {
      const lt = this.text.indexOf("<", this.at);
      if (lt < 0) throw this.error(`<${name}> is never closed`);
      text += this.characters(this.text.slice(this.at, lt));
      this.at = lt;
      if (this.text.startsWith("</", this.at)) {
        this.at += 2;
        const closing = this.name();
        if (closing !== name) throw this.error(`</${closing}> closes <${name}>`);
        this.skipSpace();
        this.expect(">");
        if (text !== "") children.push(text);
        return { name, children };
      }
      if (this.text.startsWith("<!--", this.at)) {
        this.comment();
      } else if (this.text.startsWith("<![CDATA[", this.at)) {
        const end = this.text.indexOf("]]>", this.at);
        if (end < 0) throw this.error("an unterminated CDATA section");
        text += this.checked(this.text.slice(this.at + 9, end));
        this.at = end + 3;
      } else if (this.text.startsWith("<!", this.at) || this.text.startsWith("<?", this.at)) {
        throw this.error("a declaration or processing instruction inside an element");
      } else {
        if (text !== "") children.push(text);
        text = "";
        children.push(this.element(depth + 1));
      }
    }
  }

  // Attributes are read past (XML-RPC has none; a client's xmlns is harmless) but must be well formed.
  private attributes(): void {
    for (;;) {
      const before = this.at;
      this.skipSpace();
      if (this.text.startsWith(">", this.at) || this.text.startsWith("/>", this.at)) return;
      if (this.at === before) throw this.error("a malformed start tag");
      this.name();
      this.skipSpace();
      this.expect("=");
      this.skipSpace();
      const quote = this.text[this.at];
      if (quote !== '"' && quote !== "'") throw this.error("an attribute value without quotes");
      const end = this.text.indexOf(quote, this.at + 1);
      if (end < 0) throw this.error("an unterminated attribute value");
      this.characters(this.text.slice(this.at + 1, end));
      this.at = end + 1;
    }
  }

  private comment(): void {
    const end = this.text.indexOf("-->", this.at + 4);
    if (end < 0) throw this.error("an unterminated comment");
    this.at = end + 3;
  }

  private name(): string {
    NAME.lastIndex = this.at;
    const match = NAME.exec(this.text);
    if (match === null) throw this.error("a malformed element name");
    this.at += match[0].length;
    return match[0];
  }

  // Character data with its references replaced; any other "&" is refused (no entity exists here).
  private characters(raw: string): string {
    if (!raw.includes("&")) return this.checked(raw);
    return this.checked(raw.replace(/&([^;&\s]{0,10});?/g, (whole, ref: string) => {
      if (!whole.endsWith(";")) throw this.error(`"&${ref.slice(0, 10)}" is not a reference`);
      if (ref.startsWith("#")) {
        const code = ref.startsWith("#x") ? /^#x[0-9a-fA-F]{1,6}$/.test(ref) ? Number.parseInt(ref.slice(2), 16) : -1 : /^#\d{1,7}$/.test(ref) ? Number(ref.slice(1)) : -1;
        if (!isXmlChar(code)) throw this.error(`&${ref}; is no character XML allows`);
        return String.fromCodePoint(code);
      }
      const predefined = PREDEFINED.get(ref);
      if (predefined === undefined) throw this.error(`the entity &${ref}; (only &lt; &gt; &amp; &quot; &apos; exist here)`);
      return predefined;
    }));
  }

  private checked(text: string): string {
    if (BAD_CHAR.test(text)) throw this.error("a control character XML does not allow");
    return text;
  }

  private skipSpace(): void {
    while (this.at < this.text.length && " \t\r\n".includes(this.text[this.at]!)) this.at++;
  }

  private expect(token: string): void {
    if (!this.text.startsWith(token, this.at)) throw this.error(`expected "${token}"`);
    this.at += token.length;
  }

  private error(what: string): XmlRpcParseError {
    return new XmlRpcParseError(`not an XML-RPC call tsvisor reads: ${what} (at character ${this.at})`);
  }
}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}
