import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { MAX_DEPTH, XmlRpcParseError, encodeFault, encodeResponse, escapeText, parseMethodCall } from "../../src/control/xmlrpc-codec.ts";

const parse = (xml: string) => parseMethodCall(new TextEncoder().encode(xml));
const call = (params: string) => parse(`<?xml version='1.0'?><methodCall><methodName>m.x</methodName><params>${params}</params></methodCall>`).params;
const param = (value: string) => call(`<param><value>${value}</value></param>`)[0];

describe("parseMethodCall reads what xmlrpclib sends", () => {
  test("Python's own request, byte for byte", () => {
    const body = execFileSync("/usr/bin/python3", ["-c", "import xmlrpc.client,sys; sys.stdout.write(xmlrpc.client.dumps(('web', True, 3, 1.5, ['a', {'k': 'v'}], 'a<b&c'), 'supervisor.startProcess'))"]);
    expect(parseMethodCall(body)).toEqual({ method: "supervisor.startProcess", params: ["web", true, 3, 1.5, ["a", new Map([["k", "v"]])], "a<b&c"] });
  });

  test.each([
    ["<string>x</string>", "x"],
    ["untyped text", "untyped text"],
    ["", ""],
    ["<int>-42</int>", -42],
    ["<i4>7</i4>", 7],
    ["<boolean>0</boolean>", false],
    ["<double>-1e3</double>", -1000],
    ["<nil/>", null],
    ["<base64>aGk=</base64>", "hi"],
    ["<string>&lt;&#65;&#x42;&amp;</string>", "<AB&"],
    ["<string><![CDATA[<raw>]]></string>", "<raw>"],
    ["<array><data></data></array>", []],
    ["<struct><member><name>__proto__</name><value>x</value></member></struct>", new Map([["__proto__", "x"]])],
  ] as const)("<value>%s</value>", (xml, expected) => {
    expect(param(xml)).toEqual(expected as never);
  });

  test("no <params> is no params, as supervisord allows", () => {
    expect(parse("<methodCall><methodName>system.listMethods</methodName></methodCall>")).toEqual({ method: "system.listMethods", params: [] });
  });
});

describe("parseMethodCall refuses what it does not read, never expanding or recursing without bound", () => {
  test.each([
    ["a DOCTYPE", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>&a;</methodName></methodCall>`, /DOCTYPE/],
    ["an entity", "<methodCall><methodName>a&foo;</methodName></methodCall>", /entity &foo;/],
    ["a bare ampersand", "<methodCall><methodName>a & b</methodName></methodCall>", /not a reference/],
    ["a reference to NUL", "<methodCall><methodName>a&#0;</methodName></methodCall>", /no character XML allows/],
    ["a processing instruction", "<methodCall><?php x ?><methodName>a</methodName></methodCall>", /processing instruction/],
    ["another encoding", `<?xml version="1.0" encoding="UTF-16"?><methodCall/>`, /only UTF-8/],
    ["mismatched tags", "<methodCall><methodName>a</methodCall>", /closes/],
    ["two values in one", "<methodCall><methodName>a</methodName><params><param><value><int>1</int><int>2</int></value></param></params></methodCall>", /more than one value/],
    ["an int past 2^53", "<methodCall><methodName>a</methodName><params><param><value><int>99999999999999999</int></value></param></params></methodCall>", /not an integer/],
    ["a bad method name", "<methodCall><methodName>a b</methodName></methodCall>", /method name/],
    ["content after the root", "<methodCall><methodName>a</methodName></methodCall><x/>", /after the root/],
    ["nesting past the limit", `<methodCall><methodName>a</methodName><params><param>${"<value><array><data>".repeat(MAX_DEPTH)}`, /nested deeper/],
  ])("%s", (_, xml, message) => {
    expect(() => parse(xml)).toThrow(message);
  });

  test("bytes that are not UTF-8", () => {
    expect(() => parseMethodCall(new Uint8Array([0x3c, 0xff, 0x3e]))).toThrow(XmlRpcParseError);
  });
});

describe("encoding", () => {
  test("a response and a Fault read back by Python's xmlrpclib", () => {
    const response = encodeResponse({ name: "web", pid: 42, ok: true, when: 2 ** 40, list: ["a\u001bb", "x\r\ny"] });
    const fault = encodeFault(10, "BAD_NAME: nope");
    const script = "import xmlrpc.client,sys\nfor body in sys.stdin.read().split('\\0'):\n  try: print(repr(xmlrpc.client.loads(body)[0][0]))\n  except xmlrpc.client.Fault as f: print(f.faultCode, f.faultString)";
    const out = execFileSync("/usr/bin/python3", ["-c", script], { input: `${response}\0${fault}` }).toString();
    expect(out).toBe("{'name': 'web', 'pid': 42, 'ok': True, 'when': 1099511627776.0, 'list': ['a\uFFFDb', 'x\\r\\ny']}\n10 BAD_NAME: nope\n");
  });

  test("escapeText keeps markup out and replaces what XML 1.0 cannot carry", () => {
    expect(escapeText("<a&b>\u0000\uD800")).toBe("&lt;a&amp;b&gt;\uFFFD\uFFFD");
  });
});
