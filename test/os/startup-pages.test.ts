import { expect, test } from "bun:test";
import { type Mapping, parseSmaps, releasableMappings } from "../../src/os/startup-pages.ts";

const SMAPS = `00200000-01a39000 r--p 00000000 fe:01 1234                               /usr/bin/tsvisor
Size:              25828 kB
Rss:                6244 kB
Anonymous:             0 kB
01a40000-0684a000 r-xp 01839000 fe:01 1234                               /usr/bin/tsvisor
Rss:               32440 kB
Anonymous:             0 kB
06850000-06867000 r--p 06649000 fe:01 1234                               /usr/bin/tsvisor
Rss:                  92 kB
Anonymous:            92 kB
06867000-06e8c000 rw-p 06660000 fe:01 1234                               /usr/bin/tsvisor
Rss:                3104 kB
Anonymous:           112 kB
56bd0800000-56bd1c92000 rw-p 00000000 00:00 0 
Rss:                3296 kB
Anonymous:          3296 kB
7ffa25be5000-7ffa25d3b000 r-xp 00028000 fe:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1176 kB
Anonymous:             0 kB
7ffa25d40000-7ffa25d41000 r--p 00000000 fe:01 1234                       /usr/bin/tsvisor (deleted)
Rss:                   4 kB
Anonymous:             0 kB
`;

test("smaps: each mapping's range, permissions, file, resident and written KiB", () => {
  const mappings = parseSmaps(SMAPS);
  expect(mappings.map((m) => [m.perms, m.path, m.rssKib, m.anonymousKib])).toEqual([
    ["r--p", "/usr/bin/tsvisor", 6244, 0],
    ["r-xp", "/usr/bin/tsvisor", 32440, 0],
    ["r--p", "/usr/bin/tsvisor", 92, 92],
    ["rw-p", "/usr/bin/tsvisor", 3104, 112],
    ["rw-p", "", 3296, 3296],
    ["r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 1176, 0],
    ["r--p", "/usr/bin/tsvisor (deleted)", 4, 0],
  ]);
  expect([mappings[1]!.start, mappings[1]!.end]).toEqual([0x1a40000n, 0x684a000n]);
});

// A written page of a private file mapping (relocated read-only data, .data) would read back as the
// file's bytes after MADV_DONTNEED: only the executable's never-written, read-only mappings qualify.
test("only the executable's read-only mappings without a written page are let go", () => {
  const released = releasableMappings(parseSmaps(SMAPS), "/usr/bin/tsvisor");
  expect(released.map((m: Mapping) => [m.perms, m.rssKib])).toEqual([["r--p", 6244], ["r-xp", 32440]]);
});
