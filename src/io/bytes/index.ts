export type { ByteSource, ByteSourceOptions } from './source.ts';
export { defaultTimeoutMs, isRemotePath } from './source.ts';
export { LocalFileSource } from './local.ts';
export { HttpFileSource } from './http.ts';
export { openByteSource } from './open.ts';
export { coalesce, readRanges, SpanBuffers, type ByteSpan, type CoalesceOptions } from './ranges.ts';
export { abandonPendingIo, withDeadline } from './deadline.ts';
export { closeIdleFiles } from './open-files.ts';
