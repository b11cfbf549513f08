/** Datasets: files → datasets → data groups with metadata, and the computables over them. */
export { dataset, dataGroup, file, Dataset, DataGroup } from './dataset.ts';
export type { FileLike } from './dataset.ts';
export { fileSchema, datasetSchema, dataGroupSchema, parseFile, parseDataset, parseDataGroup } from './schema.ts';
export type { FileSpec, DatasetSpec, DataGroupSpec, Metadata } from './schema.ts';
export { saveDataGroup, loadDataGroup, saveDataset, loadDataset } from './json.ts';
export type { SaveOptions } from './json.ts';
export { fromCoffeaFileset, loadCoffeaFileset } from './coffea.ts';
export type { CoffeaFilesetOptions } from './coffea.ts';
export { mapSteps } from './map-steps.ts';
export { mapFiles, mapFilesBy } from './map-files.ts';
export type { FileGrouping } from './map-files.ts';
export { resolveMapStepsOptions, DEFAULT_STEP_SIZE } from './options.ts';
export type { MapStepsOptions, MapStepsOptionsInput } from './options.ts';
export type { EventsContext, EventsInput, FileContext, FileInput, FileGroupInput, ContextFile } from './context.ts';
export { EventsData } from './events-data.ts';
export type { EventsChunk, EventsDescriptor, EventsDataOptions, SourceOpener, LoadedEvents } from './events-data.ts';
export { ColumnMemory, columnMemory } from './column-memory.ts';
export { DatasetNotPreparedError, ColumnNotLoadedError, FileChangedError } from './errors.ts';
