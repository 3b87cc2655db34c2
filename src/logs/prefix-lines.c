/* Prefixing every line of a chunk, at memchr/memcpy speed: about 20x the JavaScript string path on
 * 200 MB of 100-byte lines. Compiled at run time by Bun's TinyCC (bun:ffi cc, see native-prefix.ts);
 * no #include, so it builds where no C headers are installed (slim and distroless images). */
typedef unsigned long size_t;
void *memchr(const void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

/* Newlines in src[0, n). */
size_t count_newlines(const unsigned char *src, size_t n) {
  size_t count = 0;
  const unsigned char *p = src, *end = src + n;
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != 0) {
    count++;
    p++;
  }
  return count;
}

/* src with prefix in front of every line (not the first when at_line_start is 0) into out, which
 * holds at least n + plen * (count_newlines(src, n) + 1) bytes; returns the bytes written. */
size_t prefix_lines(const unsigned char *src, size_t n, const unsigned char *prefix, size_t plen, int at_line_start, unsigned char *out) {
  size_t o = 0, start = 0;
  int first = 1;
  while (start < n) {
    const unsigned char *nl = memchr(src + start, '\n', n - start);
    size_t end = nl ? (size_t)(nl - src) + 1 : n;
    if (!first || at_line_start) {
      memcpy(out + o, prefix, plen);
      o += plen;
    }
    first = 0;
    memcpy(out + o, src + start, end - start);
    o += end - start;
    start = end;
  }
  return o;
}
