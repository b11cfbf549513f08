/** The part of jsroot's `io` module that cortado uses (jsroot ships no types for it). */
declare module 'jsroot/io' {
  export class FileProxy {
    openFile(): Promise<boolean>;
    getFileName(): string;
    getFileSize(): number;
    readBuffer(position: number, length: number): Promise<DataView | null>;
    closeFile(): void;
  }
  export class TBuffer {
    constructor(arr: DataView, pos: number, file: unknown, length?: number);
    fTagOffset: number;
    arr: DataView;
  }
  export interface JsrootKey {
    fName: string;
    fClassName: string;
    fCycle: number;
    fSeekKey: number;
    fKeylen: number;
    fNbytes: number;
    fObjlen: number;
  }
  export interface JsrootFile {
    fKeys: JsrootKey[];
    fVersion: number;
    readObject(name: string, cycle?: number): Promise<any>;
    readBuffer(place: number[]): Promise<DataView | DataView[]>;
    readObjBuffer(key: JsrootKey): Promise<TBuffer>;
  }
  export function openFile(arg: string | FileProxy | ArrayBuffer): Promise<JsrootFile>;
}

/** The part of jsroot's `tree` module that cortado's tests and benchmark use. */
declare module 'jsroot/tree' {
  export class TSelector {
    addBranch(branch: string, name?: string): number;
    Process(entry?: number): void;
    tgtobj: Record<string, unknown>;
  }
  export function treeProcess(tree: any, selector: TSelector, args?: { firstentry?: number; numentries?: number }): Promise<TSelector>;
}
