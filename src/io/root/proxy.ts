import { FileProxy } from 'jsroot/io';
import type { RootFileHandle } from './handle.ts';
import { patchHeaderVersion } from './header.ts';

/**
 * Gives jsroot a view of a file through cortado's own descriptor, so jsroot parses metadata but
 * never owns (and so never leaks) a file descriptor. The first read of the header is patched for
 * files whose version word is negative (see `patchHeaderVersion`).
 */
export class HandleFileProxy extends FileProxy {
  readonly #handle: RootFileHandle;

  constructor(handle: RootFileHandle) {
    super();
    this.#handle = handle;
  }

  override async openFile(): Promise<boolean> {
    return !this.#handle.closed;
  }

  override getFileName(): string {
    return this.#handle.path;
  }

  override getFileSize(): number {
    return this.#handle.size;
  }

  override async readBuffer(position: number, length: number): Promise<DataView> {
    // jsroot asks for 400 header bytes even of smaller files: give what there is.
    const size = this.#handle.size;
    const n = position === 0 ? Math.min(length, size) : length;
    const bytes = this.#handle.read(position, n, 'metadata');
    if (position === 0) patchHeaderVersion(bytes);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  override closeFile(): void {
    // The handle belongs to cortado's RootFile, which closes it.
  }
}
