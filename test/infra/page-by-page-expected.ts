// Whether the kernel will map tsvisor's released pages back one page per fault here: that needs a
// write-protect userfaultfd with UFFD_FEATURE_WP_ASYNC (Linux 6.7 and later). Only a root run is sure
// to be allowed one (CI's); unprivileged, a sysctl or a seccomp profile can refuse it (src/os/page-by-page.ts).
import { release } from "node:os";

const [major, minor] = release().split(".").map(Number) as [number, number];

export const pageByPageExpected = process.getuid?.() === 0 && (major > 6 || (major === 6 && minor >= 7));
