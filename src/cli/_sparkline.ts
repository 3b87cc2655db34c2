// A row of block characters for the last values of a series, for `tsvisor top`. Each value is one of
// eight heights between `low` and `high`; a value not known, or 0 on a scale from 0, is a space. A
// series that hardly moves (less than 1% of its level, or than `minSpan`) is drawn flat at half
// height, so that noise does not look like a trend.
const BLOCKS = "▁▂▃▄▅▆▇█";

// The last `width` values, right-aligned (a short series leaves spaces on the left).
export function sparkline(values: readonly (number | null)[], width: number, scale: { low: number; high: number; minSpan?: number }): string {
  const { low, high, minSpan = 0 } = scale;
  const flat = high - low < Math.max(high * 0.01, minSpan);
  const shown = values.slice(-width).map((v) => {
    if (v === null || !(high > 0) || (low === 0 && !(v > 0))) return " ";
    if (flat) return BLOCKS[3]!;
    const level = Math.ceil(((v - low) / (high - low)) * BLOCKS.length);
    return BLOCKS[Math.min(BLOCKS.length, Math.max(1, level)) - 1]!;
  });
  return " ".repeat(Math.max(0, width - shown.length)) + shown.join("");
}

// The scale of a memory sparkline: its window's lowest to highest value, so that growth shows; less
// than a MiB of change is noise (a page cache, an allocator's arena) and is drawn flat.
export function memoryScale(values: readonly number[]): { low: number; high: number; minSpan: number } {
  return { low: values.length === 0 ? 0 : Math.min(...values), high: values.length === 0 ? 0 : Math.max(...values), minSpan: 1024 * 1024 };
}
