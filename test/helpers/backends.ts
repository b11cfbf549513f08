import type { Backend } from '../../src/backends/backend.ts';
import { inline } from '../../src/backends/inline.ts';
import { threads } from '../../src/backends/threads.ts';

/**
 * Every backend the shared behaviour suite runs against. A new backend plugs in by adding one
 * line here.
 */
export const BACKENDS: ReadonlyArray<readonly [name: string, create: () => Backend]> = [
  ['inline', () => inline()],
  ['threads', () => threads({ workers: 2 })],
];
