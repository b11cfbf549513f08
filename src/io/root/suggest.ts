function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Names among `names` close to `wanted`, best first: a small edit distance (case-insensitive),
 * or a long shared prefix (`Muon_ptt` → `Muon_pt`, `Muon_eta`, …).
 *
 * @example
 * ```ts
 * closeNames('Muon_ptt', ['Muon_pt', 'Muon_eta', 'Jet_pt']); // ['Muon_pt', 'Muon_eta']
 * ```
 */
export function closeNames(wanted: string, names: Iterable<string>, limit = 5): string[] {
  const w = wanted.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of names) {
    const n = name.toLowerCase();
    const d = distance(w, n);
    const prefix = commonPrefix(w, n);
    const near = d <= Math.max(2, Math.floor(w.length / 3));
    const sharesPrefix = prefix >= Math.min(4, w.length) && prefix >= Math.ceil(w.length / 2);
    if (near || sharesPrefix || n.includes(w)) scored.push({ name, score: d - prefix / 2 });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}
