import { join } from 'node:path';
import { expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { CursorOverrun, RootCursor } from '../src/io/root/cursor.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { ObjectReader, readTObjArray, RecordError } from '../src/io/root/objects.ts';
import { metadataFromObject, readStoredObject } from '../src/io/root/stored-objects.ts';
import { layoutLookup } from '../src/io/root/tree-record.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const skhep = (name: string): string => join(DATA_DIR, 'golden', 'skhep', name);

describeWithData('ROOT objects beside trees', () => {
  // hsimple.C filled hpx (TH1F) and hpxpy (TH2F) from the same events it wrote to the ntuple.
  it('reads a TH1F and a TH2F as Hist, bin for bin what the ntuple they were filled from gives', async () => {
    await using file = await openRootFile(skhep('uproot-hepdata-example.root'));
    const hpx = await file.histogram('hpx');
    expect(hpx.axes.map((a) => [a.kind, a.name, a.bins])).toEqual([['regular', 'x', 100]]);
    const hpxpy = await file.histogram('hpxpy');
    expect(hpxpy.shape()).toEqual([40, 40]);
    const ntuple = await file.tree('ntuple');
    const { px, py } = await ntuple.read(['px', 'py'], 0, ntuple.entries);
    const x = hpx.axes[0] as ReturnType<typeof regular>;
    const mine = new Hist(regular(100, x.start, x.stop, { name: 'x' })).fill({ x: px as Float32Array });
    expect([...hpx.values({ flow: true })]).toEqual([...mine.values({ flow: true })]);
    // unweighted: no fSumw2 kept, so the variances are the counts
    expect([...hpx.variances({ flow: true })]).toEqual([...hpx.values({ flow: true })]);
    const [ax, ay] = hpxpy.axes as ReturnType<typeof regular>[];
    const mine2 = new Hist(regular(40, ax!.start, ax!.stop, { name: 'x' }), regular(40, ay!.start, ay!.stop, { name: 'y' }))
      .fill({ x: px as Float32Array, y: py as Float32Array });
    expect([...hpxpy.values({ flow: true })]).toEqual([...mine2.values({ flow: true })]);
  });

  it('reads a TH1D in a subdirectory', async () => {
    await using file = await openRootFile(skhep('uproot-issue-1221.root'));
    const h = await file.histogram('genCountLogger/numEvents');
    expect(h.axes[0]!.bins).toBe(1);
    expect(h.values({ flow: true }).length).toBe(3);
  });

  it('refuses a TProfile and a tree with E_IO_UNSUPPORTED, a missing key with E_IO_KEY_NOT_FOUND', async () => {
    await using file = await openRootFile(skhep('uproot-hepdata-example.root'));
    for (const [path, code] of [['hprof', 'E_IO_UNSUPPORTED'], ['ntuple', 'E_IO_UNSUPPORTED'], ['nope', 'E_IO_KEY_NOT_FOUND']] as const) {
      const error = await file.histogram(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IoError);
      expect((error as IoError).code).toBe(code);
      expect((error as IoError).message).toContain(path);
    }
  });

  it('reads TParameter<int> and TNamed metadata', async () => {
    await using file = await openRootFile(skhep('uproot-issue-172.root'));
    expect(await file.metadata('eventsProcessed')).toEqual({ className: 'TParameter<int>', name: 'eventsProcessed', value: 10 });
    await using meta = await openRootFile(skhep('uproot-issue407.root'));
    expect(await meta.metadata('META/JMeta')).toEqual({ className: 'TNamed', name: 'JMeta', value: 'JDataWriter' });
  });
});

it('reads a TObjString record as metadata (byte count, version, TObject, the string)', () => {
  const text = new TextEncoder().encode('git 1a2b3c');
  const body = [0x00, 0x01, /* TObject */ 0x00, 0x01, 0, 0, 0, 0, 0x03, 0, 0, 0, text.length, ...text];
  const n = body.length + 0; // bytes after the byte count
  const bytes = new Uint8Array([0x40, 0, (n >> 8) & 0xff, n & 0xff, ...body]);
  const object = readStoredObject(bytes, 60, 'TObjString', layoutLookup(undefined));
  expect(metadataFromObject(object, 'version')).toEqual({ className: 'TObjString', name: 'version', value: 'git 1a2b3c' });
});

it('leaves no half-read object behind a failed read: a later reference to it reads it again, and fails again', () => {
  // At 0 a pointer to a new object of class TBogus whose version header has no byte count (it
  // cannot be skipped); at 17 a TObjArray of one reference to it (tag 0 + origin 60 + 2).
  const bogus = [0x40, 0, 0, 11, 0xff, 0xff, 0xff, 0xff, ...new TextEncoder().encode('TBogus'), 0, 0, 1];
  const array = [0x40, 0, 0, 25, 0, 3, /* TObject */ 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, /* fName */ 0, /* n */ 0, 0, 0, 1,
    /* fLowerBound */ 0, 0, 0, 0, /* the reference */ 0, 0, 0, 62];
  const bytes = new Uint8Array([...bogus, ...array]);
  const r = new ObjectReader(bytes, 60, () => undefined);
  const read = () => readTObjArray(r, new RootCursor(bytes, bogus.length, 60));
  expect(read).toThrow(RecordError);
  // Before, the second read found the first one's object, registered before its members were read.
  expect(read).toThrow('an object of class TBogus without a byte count');
  // A reader that carried on after the failure (the branch skim falls back to a full read) ends the same.
  expect(() => r.readObjectAny(new RootCursor(bytes, bogus.length + 25, 60))).toThrow(RecordError);

  // An object read whole whose pointer's byte count runs past the record: not kept either.
  const long = [0x40, 0, 0x03, 0xe8, 0xff, 0xff, 0xff, 0xff, ...new TextEncoder().encode('TBogus'), 0, 0x40, 0, 0, 2, 0, 1];
  const bytes2 = new Uint8Array([...long, 0, 0, 0, 62]);
  const r2 = new ObjectReader(bytes2, 60, () => undefined);
  const refer = () => r2.readObjectAny(new RootCursor(bytes2, long.length, 60));
  expect(refer).toThrow(CursorOverrun);
  expect(refer).toThrow(CursorOverrun);
});
