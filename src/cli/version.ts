import { readFileSync } from 'node:fs';

/**
 * cortado's version, read from its package.json (two folders up from src/cli in a checkout, three
 * from dist/src/cli in the package).
 *
 * @example
 * ```ts
 * console.log(packageVersion()); // '0.1.0'
 * ```
 */
export function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'cortado' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not this one: try the next level up.
    }
  }
  return 'unknown';
}
