// os/page-by-page.ts registers the ranges once for the life of the process: the minute's release asks
// again every minute, and each ask must neither make another userfaultfd (a descriptor a minute) nor
// report the first one's registration as failed.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { pageByPageExpected as expected } from "../infra/page-by-page-expected.ts";

test(`asked three times, the registration is made once (${expected ? "and holds here" : "and refused here"}), with one descriptor`, () => {
  const script = `
import { readdirSync, readlinkSync } from "node:fs";
import { mapPageByPage } from ${JSON.stringify(join(import.meta.dir, "../../src/os/page-by-page.ts"))};
import { parseSmaps, releasableMappings } from ${JSON.stringify(join(import.meta.dir, "../../src/os/startup-pages.ts"))};
const mappings = releasableMappings(parseSmaps(await Bun.file("/proc/self/smaps").text()), readlinkSync("/proc/self/exe"));
const answers = [mapPageByPage(mappings), mapPageByPage(mappings), mapPageByPage(mappings)];
const uffds = readdirSync("/proc/self/fd").filter((fd) => { try { return readlinkSync("/proc/self/fd/" + fd).includes("userfaultfd"); } catch { return false; } });
console.log(JSON.stringify({ mappings: mappings.length, answers, uffds: uffds.length }));
`;
  const run = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" });
  expect(run.stderr.toString()).toBe("");
  const { mappings, answers, uffds } = JSON.parse(run.stdout.toString());
  expect(mappings).toBeGreaterThan(0);
  expect(new Set(answers).size).toBe(1);
  if (expected) {
    expect(answers[0]).toBeNull();
    expect(uffds).toBe(1);
  } else {
    expect(answers[0]).toEqual(expect.any(String));
    expect(uffds).toBe(0);
  }
});
