/**
 * The group commit of skim files: files written while a flush runs share the next flush, every
 * promise resolves only once its file is under its final name whole, and one failing file is
 * refused alone (its temporary file removed) while the others of its flush land.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SkimError } from '../src/io/skim/errors.ts';
import { SyncGroup } from '../src/io/skim/group-sync.ts';
import { writeFileAtomically } from '../src/io/skim/output.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-group-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytesOf = (i: number) => new Uint8Array(10_000 + i).fill(i);

it('syncs files written together in shared flushes, each whole under its final name when its promise resolves', async () => {
  const group = new SyncGroup();
  const out = join(dir, 'many');
  mkdirSync(out);
  const paths = Array.from({ length: 12 }, (_, i) => join(out, `f${i}.parquet`));
  const handles = await Promise.all(
    paths.map(async (path, i) => {
      const handle = await open(`${path}.tmp`, 'w');
      await handle.writeFile(bytesOf(i));
      return handle;
    }),
  );
  const seen: boolean[] = [];
  // Handed over together: the first starts a flush alone, the eleven others share the next one.
  await Promise.all(
    paths.map((path, i) =>
      group.commit(handles[i]!, `${path}.tmp`, path).then(() => {
        seen[i] = existsSync(path) && readFileSync(path).equals(Buffer.from(bytesOf(i)));
      }),
    ),
  );
  expect(seen).toEqual(paths.map(() => true));
  expect(group.files).toBe(12);
  expect(group.flushes).toBe(2);
  expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
});

it('writes through the group commit: files written at once all land whole, no temporary file left', async () => {
  const group = new SyncGroup();
  const out = join(dir, 'atomically');
  const paths = Array.from({ length: 6 }, (_, i) => join(out, `g${i}.parquet`));
  await Promise.all(paths.map((path, i) => writeFileAtomically(path, bytesOf(i), group)));
  for (const [i, path] of paths.entries()) expect(readFileSync(path).equals(Buffer.from(bytesOf(i)))).toBe(true);
  expect(group.files).toBe(6);
  expect(group.flushes).toBeLessThanOrEqual(6);
  expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
});

it('refuses only the file whose rename fails, naming it, and removes its temporary file', async () => {
  const group = new SyncGroup();
  const out = join(dir, 'one-fails');
  mkdirSync(join(out, 'blocked.parquet', 'inside'), { recursive: true }); // a non-empty folder in the way
  const good = [0, 1, 2].map((i) => join(out, `ok${i}.parquet`));
  const results = await Promise.allSettled([
    ...good.map((path, i) => writeFileAtomically(path, bytesOf(i), group)),
    writeFileAtomically(join(out, 'blocked.parquet'), bytesOf(9), group),
  ]);
  expect(results.slice(0, 3).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  const failed = results[3]!;
  expect(failed.status).toBe('rejected');
  const error = (failed as PromiseRejectedResult).reason as SkimError;
  expect(error).toBeInstanceOf(SkimError);
  expect(error.code).toBe('E_SKIM_WRITE');
  expect(error.path).toBe(join(out, 'blocked.parquet'));
  expect(error.message).toContain('rename into place');
  for (const path of good) expect(existsSync(path)).toBe(true);
  expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(group.files).toBe(3);
});
