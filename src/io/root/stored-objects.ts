import { Hist } from '../../results/hist.ts';
import { regular } from '../../results/regular.ts';
import { variable } from '../../results/variable.ts';
import type { Axis } from '../../results/axes.ts';
import { IoError } from '../errors.ts';
import { readMembers, UnknownVersion, type LayoutOf } from './members.ts';
import { listItems, ObjectReader, readTList, readTNamed, readTObjArray, readTObject, skipUnknown, type ClassReader, type RootObject } from './objects.ts';
import { asMalformed } from './records.ts';

/** A metadata object stored beside trees: a TObjString, a TParameter<T> or a TNamed. */
export interface RootMetadata {
  readonly className: string;
  readonly name: string;
  /** TObjString: its string; TParameter: its value; TNamed: its title. */
  readonly value: string | number;
}

const readObjString: ClassReader = (_r, c) => {
  const v = c.version();
  readTObject(c);
  const fString = c.string();
  if (v.end !== undefined) c.to(v.end);
  return { _class: 'TObjString', fString };
};

/** TParameter<T> value readers by T. */
const PARAMETER_TYPES: Readonly<Record<string, number>> = {
  int: 3, Int_t: 3, long: 4, Long_t: 4, 'long long': 16, Long64_t: 16, float: 5, Float_t: 5, double: 8, Double_t: 8,
  bool: 18, Bool_t: 18, 'unsigned int': 13, UInt_t: 13, short: 2, Short_t: 2,
};

/**
 * The object readers of stored objects: histograms and metadata by their layouts, lists and
 * arrays of them, everything else skipped by its byte count.
 */
function storedReaderOf(layoutOf: LayoutOf): (className: string) => ClassReader | undefined {
  return (className) => {
    if (className === 'TObjString') return readObjString;
    if (className === 'TNamed') return (_r, c) => ({ _class: 'TNamed', ...readTNamed(c) });
    if (className === 'TList' || className === 'THashList') return (r, c, cls) => readTList(r, c, cls);
    if (className === 'TObjArray') return (r, c) => readTObjArray(r, c);
    const parameter = /^TParameter<(.+)>$/.exec(className);
    if (parameter) {
      const type = PARAMETER_TYPES[parameter[1]!.trim()];
      if (type === undefined) return undefined;
      return (r, c, cls) => {
        const layout = [{ name: 'TObject', type: 66, typeName: 'BASE', arrayLength: 0 }, { name: 'fName', type: 65, typeName: 'TString', arrayLength: 0 },
          { name: 'fVal', type, typeName: '', arrayLength: 0 }];
        return readMembers(r, c, cls, (name, version) => (name === cls && version >= 1 ? layout : layoutOf(name, version)), { _class: cls }) as RootObject;
      };
    }
    if (/^TH[12][DFISC]?$/.test(className) || className === 'TAxis') {
      return (r, c, cls) => readMembers(r, c, cls, layoutOf, { _class: cls }) as RootObject;
    }
    return (_r, c, cls) => skipUnknown(c, cls);
  };
}

/** Reads the object of a key's decompressed bytes (see `RootFile.objectBytes`). */
export function readStoredObject(bytes: Uint8Array, keylen: number, className: string, layoutOf: LayoutOf): RootObject {
  const r = new ObjectReader(bytes, keylen, storedReaderOf(layoutOf));
  return r.readObject(r.cursor, className);
}

/** Whether cortado turns objects of `className` into a {@link Hist}. */
export function isHistogramClass(className: string): boolean {
  return /^TH[12][DFISC]$/.test(className);
}

function histAxis(axis: RootObject, name: string): Axis {
  const bins = Number(axis['fNbins']);
  const edges = (axis['fXbins'] as number[] | undefined) ?? [];
  const title = String(axis['fTitle'] ?? '');
  const options = { name, label: title || name };
  if (edges.length === bins + 1) return variable(edges, options);
  return regular(bins, Number(axis['fXmin']), Number(axis['fXmax']), options);
}

/**
 * Turns a streamed TH1 or TH2 (D, F, I, S, C) into a {@link Hist}: regular or variable axes `x`
 * (and `y`) labelled by the axis titles, bin contents as sums of weights and `fSumw2` as sums of
 * squared weights (the contents themselves when the histogram kept no `fSumw2`: unweighted
 * fills), flow bins included. ROOT stores a TH2 with x varying fastest; Hist stores x-major.
 */
export function histFromObject(h: RootObject, path: string, what: string): Hist {
  const is2d = h._class.startsWith('TH2');
  const contents = h[`TArray${h._class.slice(3)}`] as number[] | undefined;
  const ncells = Number(h['fNcells']);
  if (!contents || contents.length !== ncells) {
    throw new IoError('E_IO_MALFORMED', `Expected ${ncells} bin contents in ${what} of ${path}, got ${contents?.length ?? 'none'}`, { path });
  }
  const x = histAxis(h['fXaxis'] as RootObject, 'x');
  const axes = is2d ? [x, histAxis(h['fYaxis'] as RootObject, 'y')] : [x];
  const nx = x.extent;
  const ny = is2d ? axes[1]!.extent : 1;
  if (nx * ny !== ncells) {
    throw new IoError('E_IO_MALFORMED', `Expected fNcells = ${nx} × ${ny} in ${what} of ${path}, got ${ncells}`, { path });
  }
  const sumw2Stored = (h['fSumw2'] as number[] | undefined) ?? [];
  const sumw = new Float64Array(ncells);
  const sumw2 = new Float64Array(ncells);
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const root = ix + nx * iy;
      const mine = ix * ny + iy;
      sumw[mine] = contents[root]!;
      sumw2[mine] = sumw2Stored.length === ncells ? sumw2Stored[root]! : contents[root]!;
    }
  }
  return Hist.fromStorage(axes, sumw, sumw2);
}

/** Reads a stored object, turning layout gaps and cut records into coded errors naming `what`. */
export function parseStored(bytes: Uint8Array, keylen: number, className: string, layoutOf: LayoutOf, path: string,
  what: string): RootObject {
  try {
    return readStoredObject(bytes, keylen, className, layoutOf);
  } catch (error) {
    if (error instanceof UnknownVersion) {
      throw new IoError('E_IO_UNSUPPORTED', `Expected ${what} in ${path} to use class versions cortado or the file's ` +
        `streamer info describe, got ${error.className} version ${error.version}`, { path }, { cause: error });
    }
    throw asMalformed(error, path, what);
  }
}

/** The metadata value of a TObjString, TParameter<T> or TNamed. */
export function metadataFromObject(o: RootObject, name: string): RootMetadata | undefined {
  if (o._class === 'TObjString') return { className: o._class, name, value: String(o['fString']) };
  if (o._class === 'TNamed') return { className: o._class, name: String(o['fName'] ?? name), value: String(o['fTitle']) };
  if (o._class.startsWith('TParameter<') && o['fVal'] !== undefined) {
    return { className: o._class, name: String(o['fName'] ?? name), value: Number(o['fVal']) };
  }
  return undefined;
}

/** The items of a stored TList (for lists of metadata objects). */
export { listItems };
