// `node --import <this file> script.ts`: a test's TypeScript script (a library driver) runs in source
// mode, on the sources the suite compiled once (CORTADO_COMPILED_SOURCES, see compiled-sources.ts),
// or through tsx when that is not set.
import { registerSourceMode } from '../../src/source-mode.mjs';

registerSourceMode();
