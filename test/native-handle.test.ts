/**
 * The adoption of a `node:zlib` stream's native context, shared by the reused zlib and ZSTD
 * decoders: where a stream's internals are not as expected, or the context fails its proof, there
 * is no context (the decoders then use Node's public sync calls); a context that is adopted
 * decodes block after block, says how much room and input each call left, and a dropped context
 * is made anew on next use.
 */
import { PassThrough } from 'node:stream';
import { constants, createInflate, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adoptNativeHandle, NativeContextSlot, writeNative, type NativeContext } from '../src/io/decompress/native-handle.ts';

const text = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** Inflates `src` through `context` into `size` + 1 bytes, as the zlib decoder does. */
function inflate(context: NativeContext, src: Uint8Array, size: number): string {
  const out = Buffer.alloc(size + 1);
  const availOut = writeNative(context, constants.Z_FINISH, src, out, 0, out.length, 'zlib');
  return out.subarray(0, out.length - availOut).toString('latin1');
}

const proves = (context: NativeContext): boolean => inflate(context, deflateSync(text('probe')), 5) === 'probe';

describe('adopting the native context of a node:zlib stream', () => {
  it('adopts an inflate stream\'s context that proves itself, and inflates block after block through it', () => {
    const context = adoptNativeHandle(() => createInflate({ chunkSize: 64 }), proves);
    expect(context).not.toBeNull();
    for (const s of ['first block', 'a second, longer block of text', 'x']) {
      expect(inflate(context!, deflateSync(text(s)), s.length)).toBe(s);
    }
    // Trailing bytes are input left over; a stream longer than the room leaves no room.
    const trailing = Buffer.concat([deflateSync(text('abc')), Buffer.from([1, 2, 3])]);
    const out = Buffer.alloc(10);
    expect(writeNative(context!, constants.Z_FINISH, trailing, out, 0, out.length, 'zlib')).toBe(7);
    expect(context!.inputLeft).toBe(3);
    expect(writeNative(context!, constants.Z_FINISH, deflateSync(text('more than ten bytes')), out, 0, out.length, 'zlib')).toBe(0);
    expect(inflate(context!, deflateSync(text('after')), 5)).toBe('after');
    context!.stream.destroy();
  });

  it('throws what the native side reports for corrupt data', () => {
    const context = adoptNativeHandle(() => createInflate({ chunkSize: 64 }), proves)!;
    expect(() => inflate(context, text('not a zlib stream'), 10)).toThrow(/incorrect header check/);
    context.stream.destroy();
  });

  it('adopts nothing, and closes the stream, where there is no native context, the proof fails or making one throws', () => {
    const plain = new PassThrough();
    expect(adoptNativeHandle(() => plain, () => true)).toBeNull();
    expect(plain.destroyed).toBe(true);
    const inflater = createInflate({ chunkSize: 64 });
    expect(adoptNativeHandle(() => inflater, () => false)).toBeNull();
    expect(inflater.destroyed).toBe(true);
    expect(adoptNativeHandle(() => createInflate({ chunkSize: 64 }), () => { throw new Error('no'); })).toBeNull();
    expect(adoptNativeHandle(() => { throw new Error('no stream'); }, () => true)).toBeNull();
  });
});

describe('one thread\'s slot of a reused context', () => {
  it('makes its context on first use, keeps it, and makes a new one after a drop', () => {
    let made = 0;
    const slot = new NativeContextSlot(() => {
      made++;
      return adoptNativeHandle(() => createInflate({ chunkSize: 64 }), proves);
    });
    expect(made).toBe(0);
    const first = slot.get();
    expect(first).not.toBeNull();
    expect(slot.get()).toBe(first);
    expect(made).toBe(1);
    slot.drop(first!);
    expect(first!.stream.destroyed).toBe(true);
    const second = slot.get();
    expect(second).not.toBe(first);
    expect(made).toBe(2);
    // Dropping a context that is no longer the slot's leaves the slot's own in place.
    slot.drop(first!);
    expect(slot.get()).toBe(second);
    slot.drop(second!);
  });

  it('stays without a context where this Node has none to reuse (asked once)', () => {
    let made = 0;
    const slot = new NativeContextSlot(() => {
      made++;
      return null;
    });
    expect(slot.get()).toBeNull();
    expect(slot.get()).toBeNull();
    expect(made).toBe(1);
  });
});
