/**
 * Parsing one Parquet footer, warm, on one thread: hyparquet's `parquetMetadata` against cortado's
 * own decoder (`decodeFooter`), each followed by `describeMetadata` (what `describeFile` does with
 * it). Alternates the two per round and prints the medians in ms per footer.
 *
 *   npx tsx bench/parquet-footer.ts [--file ../shared/data/nanoaod/nano_dy.parquet] [--rounds 30] [--per 20]
 */
import { readFileSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { describeMetadata } from '../src/io/parquet/description.ts';
import { decodeFooter } from '../src/io/parquet/footer-metadata.ts';
import { arg, median } from './stats.ts';

const file = arg('file', new URL('../../shared/data/nanoaod/nano_dy.parquet', import.meta.url).pathname);
const rounds = Number(arg('rounds', '30'));
const per = Number(arg('per', '20'));

const bytes = readFileSync(file);
const length = bytes.readUInt32LE(bytes.length - 8);
const footer = bytes.subarray(bytes.length - 8 - length);
const metadata = footer.subarray(0, length);

const ways = {
  hyparquet: () => parquetMetadata(footer, { geoparquet: false }),
  decodeFooter: () => decodeFooter(metadata),
  'hyparquet + describe': () => describeMetadata(file, parquetMetadata(footer, { geoparquet: false }), 'x'),
  'decodeFooter + describe': () => describeMetadata(file, decodeFooter(metadata), 'x'),
};
const times = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
for (let round = 0; round < rounds + 3; round++) {
  for (const [name, way] of Object.entries(ways)) {
    const start = performance.now();
    for (let i = 0; i < per; i++) way();
    // The first rounds warm the code up.
    if (round >= 3) times.get(name)!.push((performance.now() - start) / per);
  }
}
console.log(`${file}: footer ${length} bytes, ${rounds} rounds of ${per}`);
for (const [name, list] of times) console.log(`${name.padEnd(24)} ${median(list).toFixed(3)} ms per footer (median)`);
