/**
 * Names from `candidates` that look like `name`: same letters up to case, a shared prefix or a
 * small edit distance. Used by "not found" errors so that `Muon_Pt` suggests `Muon_pt`.
 *
 * @example
 * ```ts
 * closeNames('Muon_Pt', ['Muon_pt', 'Muon_eta', 'Jet_pt']); // ['Muon_pt', 'Muon_eta']
 * ```
 */
export function closeNames(name: string, candidates: Iterable<string>, limit = 5): string[] {
  const lower = name.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    let score: number;
    if (other === lower) score = 0;
    else if (other.includes(lower) || lower.includes(other)) score = 1;
    else {
      const distance = editDistance(lower, other, 3);
      if (distance <= 3) score = 1 + distance;
      else if (sharedPrefix(lower, other) >= Math.min(4, lower.length)) score = 5 + Math.abs(other.length - lower.length) / 100;
      else continue;
    }
    scored.push({ name: candidate, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Levenshtein distance, giving up (returning `max + 1`) once it exceeds `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    previous = current;
  }
  return previous[b.length]!;
}
