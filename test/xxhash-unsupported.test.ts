import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { IoError } from '../src/io/errors.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

// A platform @node-rs/xxhash publishes no binary for: its require fails, as loadNative reports by
// returning undefined. Every other compiled package loads as usual.
vi.mock('../src/io/decompress/native.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/io/decompress/native.ts')>();
  return { loadNative: <T,>(name: string): T | undefined => (name === '@node-rs/xxhash' ? undefined : actual.loadNative<T>(name)) };
});

const { xxhash64 } = await import('../src/io/decompress/xxhash.ts');
const { openRootFile } = await import('../src/io/root/index.ts');
const { loadXxh3 } = await import('../src/io/rntuple/checksum.ts');

describe('xxHash checksums on a platform without the compiled hasher', () => {
  it('are E_IO_UNSUPPORTED naming the platform, never a skipped check', async () => {
    expect(() => xxhash64(new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'E_IO_UNSUPPORTED', message: expect.stringContaining(`${process.platform}-${process.arch}`) }));
    await expect(loadXxh3()).rejects.toMatchObject({ code: 'E_IO_UNSUPPORTED' });
  });
});

describeWithData('an LZ4 ROOT file on a platform without the compiled hasher', () => {
  it('fails with an IoError naming the file and the missing hasher, instead of values whose checksum was not checked', async () => {
    const path = join(DATA_DIR, 'compression', 'uproot-HZZ-lz4.root');
    const read = async () => {
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('events');
      await tree.read(tree.branches.map((b) => b.name), 0, tree.entries);
    };
    const error = (await read().catch((e: unknown) => e)) as IoError;
    // Its TTree record is LZ4 itself: the reader reports it as that record's decompression failing.
    expect(error.code).toBe('E_IO_DECOMPRESS');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`Expected a prebuilt @node-rs/xxhash for ${process.platform}-${process.arch}`);
    expect(error.cause).toMatchObject({ code: 'E_IO_UNSUPPORTED' });
  });
});
