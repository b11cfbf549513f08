/**
 * cortado: chunked map-reduce over event data (ROOT TTrees, Parquet) on an actor runtime.
 *
 * @example
 * ```ts
 * import { fromFunction, inline } from 'cortado';
 *
 * await using backend = inline();
 * const task = backend.compute(fromFunction((x: number) => x * x, [1, 2, 3]));
 * console.log(await task.result()); // 14
 * ```
 * @packageDocumentation
 */

// Protocol: results, ranges, computables, processors, errors, the error policy.
export { EMPTY, merge, mergeAll, isMergeable, cloneResult } from './protocol/result.ts';
export type { Addable, Empty } from './protocol/result.ts';
export { RangeSet, formatRange, subtractRanges } from './protocol/range.ts';
export type { Range } from './protocol/range.ts';
export { fromFunction, restrict } from './protocol/computable.ts';
export type { Computable, ComputableResult, WorkElement, StepGenerator, FromFunctionOptions, ChunkSizeFor } from './protocol/computable.ts';
export { ValueData, registerDataKind, dataFromDescriptor } from './protocol/data.ts';
export type { DataElement, DataDescriptor } from './protocol/data.ts';
export { defineProcessor, isProcessorRef } from './protocol/processor.ts';
export type { Processor, ProcessorFn, ProcessorRef, ProcessorOptions, ProcessorResult, ProcessorInput } from './protocol/processor.ts';
export { registerCodec } from './protocol/codec.ts';
export type { Codec } from './protocol/codec.ts';
export { resolveErrorPolicy, matchesError, isIoError, IO_ERROR_CODES } from './protocol/policy.ts';
export type { ErrorPolicy, ErrorPolicyInput, ErrorMatcher, BackoffOptions } from './protocol/policy.ts';
export {
  CortadoError,
  MergeTypeError,
  RangeOverlapError,
  InvalidOptionsError,
  BadResultError,
  BackendDisposedError,
  TaskIncompleteError,
  TaskCancelledError,
  ElementTimeoutError,
  WorkerCrashError,
  ProcessorCodeError,
} from './protocol/errors.ts';
export type { TaskStatus, PartialResult, Failure, Progress } from './protocol/task.ts';

// The runtime and backends.
export { Task } from './actors/task.ts';
export type { GroupResult, Inspector } from './actors/task.ts';
export { MapTask } from './actors/map-task.ts';
export type { MapSummary } from './actors/map-task.ts';
export type { MapOutput } from './actors/output-sink.ts';
export type { ChunkSizer } from './actors/chunk-sizer.ts';
export { adaptiveChunks } from './actors/chunking/adaptive.ts';
export type { AdaptiveChunkSizer } from './actors/chunking/adaptive.ts';
export { coffeaChunks } from './actors/chunking/coffea.ts';
export type { CoffeaChunkOptions } from './actors/chunking/coffea.ts';
export { fixedChunks } from './actors/chunking/fixed.ts';
export type { AdaptiveChunkOptions, AdaptiveChunkOptionsInput } from './actors/chunking/options.ts';
export type { ChunkModelSnapshot } from './actors/chunking/model.ts';
export type { ElementStats } from './actors/batch.ts';
export { inline } from './backends/inline.ts';
export type { InlineOptions } from './backends/inline.ts';
export { threads, NotTransferableError } from './backends/threads.ts';
export type { ThreadsOptions } from './backends/threads.ts';
// The cluster backend loads BullMQ and ioredis only when a task first runs on it (and `cortado
// worker` only in its own command): they are optional peer dependencies, so importing cortado
// stays light and a plain install leaves them out.
export { cluster } from './backends/cluster/backend.ts';
export { ClusterDependencyError } from './backends/cluster/stack.ts';
export { ProcessorNotAllowedError } from './backends/cluster/roots.ts';
export { ClusterPayloadError, ClusterSizeError } from './backends/cluster/payload.ts';
export { ClusterJobError } from './backends/cluster/executor.ts';
export type { ClusterOptions } from './backends/cluster/options.ts';
export type { RedisConnection } from './backends/cluster/redis-options.ts';
export type { LiveWorker } from './actors/executor.ts';
export { registerErrorClass } from './backends/errors/known-classes.ts';
export type { Backend, BackendOptions, MapOptions } from './backends/backend.ts';
export type { ComputeOptions } from './backends/options.ts';
export type { WorkerInfo } from './actors/executor.ts';

// Watching runs: the live dashboard, trace files and their replay.
export { dashboard } from './dashboard/dashboard.ts';
export type { Dashboard, DashboardOptions } from './dashboard/dashboard.ts';
export { traceRun, readTrace, TraceFormatError } from './dashboard/trace.ts';
export type { Trace, TraceOptions } from './dashboard/trace.ts';
export { replayDashboard } from './dashboard/replay.ts';
export type { DashboardServer, ServerOptions as DashboardServerOptions } from './dashboard/server.ts';
export { Recorder } from './dashboard/recorder.ts';
export type { RecorderOptions, AttachOptions, RecordSink } from './dashboard/recorder.ts';
export type { TraceRecord, HistView } from './dashboard/records.ts';
export { statelyInspector } from './dashboard/stately.ts';
export type { StatelyInspector, StatelyInspectorOptions, StatelyMessage } from './dashboard/stately.ts';

// Durable runs: the checkpoint interface and cortado's crash-safe journal.
export type { Checkpoint, CheckpointState } from './protocol/checkpoint.ts';
export { JournalCheckpoint, peekCheckpoint } from './journal/journal-checkpoint.ts';
export type { JournalCheckpointOptions, JournalStats } from './journal/journal-checkpoint.ts';
export { CheckpointError } from './journal/errors.ts';
export type { CheckpointErrorCode } from './journal/errors.ts';

// Event data.
export { openSource } from './io/open.ts';
export type { OpenSourceOptions } from './io/open.ts';
export { openRootFile, openRootTree } from './io/root/index.ts';
export { openParquet } from './io/parquet/index.ts';
export { openRNTuple, RNTupleSource } from './io/rntuple/index.ts';
export type { RNTupleOpenOptions } from './io/rntuple/index.ts';
export type { EventSource, BranchInfo, ColumnKind } from './io/source.ts';
export type { Column, ColumnSet, JaggedColumn, NumericArray } from './io/columns.ts';
export { isJagged } from './io/columns.ts';
export { IoError } from './io/errors.ts';
export { closeIdleFiles } from './io/bytes/open-files.ts';
export type { IoErrorCode } from './io/errors.ts';
export { finalize } from './results/finalize.ts';
export type { Finalizer, DatasetResultFile } from './results/finalize.ts';
// Skims: selected events written as Parquet, and the next pass over them.
export { skim } from './io/skim/skim.ts';
export type { SkimOptions, SkimSelector, SkimSelection, SkimCompression } from './io/skim/skim.ts';
export { SkimResult, toDataGroup, skimResultCodec } from './io/skim/result.ts';
export type { SkimmedFile, SkimResultJSON } from './io/skim/result.ts';
export { SkimError } from './io/skim/errors.ts';
export type { SkimErrorCode } from './io/skim/errors.ts';
export { skimFilePath } from './io/skim/naming.ts';
export { Events, pairs, filterPairs, oppositeCharge, invariantMass, pairMass, pairP4, mask, filter, counts, countTrue, selectEvents } from './io/events/index.ts';
export type { Collection, Pairs } from './io/events/index.ts';
export {
  dataset,
  dataGroup,
  file,
  Dataset,
  DataGroup,
  mapSteps,
  mapFiles,
  mapFilesBy,
  saveDataGroup,
  loadDataGroup,
  saveDataset,
  loadDataset,
  fromCoffeaFileset,
  loadCoffeaFileset,
  DatasetNotPreparedError,
  ColumnNotLoadedError,
} from './io/dataset/index.ts';
export type {
  EventsInput,
  EventsContext,
  FileInput,
  FileGroupInput,
  FileSpec,
  DatasetSpec,
  DataGroupSpec,
  MapStepsOptionsInput,
} from './io/dataset/index.ts';
export { prepare, applyPreparation, preprocess, PreparationFailedError } from './io/prepare/index.ts';
export type { PreparationErrors, PrepareOptionsInput, PreprocessOptions } from './io/prepare/index.ts';
export { generateDemoParquet, generateDemoFileset } from './io/demo/generate.ts';

// Results.
export { Hist, type HistStorageKind } from './results/hist.ts';
export { regular } from './results/regular.ts';
export { variable } from './results/variable.ts';
export { integer } from './results/integer.ts';
export { category } from './results/category.ts';
export { HistError } from './results/errors.ts';
export { serializeResult, deserializeResult } from './results/serialize.ts';
export { renderSvg } from './results/plot/svg.ts';
export { renderPng } from './results/plot/png.ts';
export type { SvgOptions } from './results/plot/svg.ts';
export type { PngOptions } from './results/plot/png.ts';
export { writePlots, plotResultFile } from './results/plot/write.ts';
