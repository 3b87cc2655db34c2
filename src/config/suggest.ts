// Did-you-mean for unknown keys and values: the closest candidate by edit distance, when close enough.

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so "TREM" is 1 from "TERM".
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

// The candidate closest to input (case-insensitive), or null when none is within a third of its length.
export function suggest(input: string, candidates: readonly string[]): string | null {
  const wanted = input.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    // the distance is at least the difference in length: most candidates need no table at all
    if (Math.abs(candidate.length - wanted.length) >= bestDistance) continue;
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

// ` (did you mean "x"?)` to append to a message, or "" when nothing is close.
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = suggest(input, candidates);
  return match === null ? "" : ` (did you mean ${JSON.stringify(match)}?)`;
}

// "unknown key "x" (did you mean "y"?)", or the allowed keys when none is close.
export function unknownKey(key: string, allowed: readonly string[]): string {
  return `unknown key ${JSON.stringify(key)}${didYouMean(key, allowed) || `; allowed: ${allowed.join(" ")}`}`;
}
