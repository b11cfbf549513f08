#!/usr/bin/env node
// The `cortado` command. The published package runs the compiled CLI (dist/); a checkout of the
// repository runs its TypeScript sources through tsx, with no build step.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { registerSourceMode } = await import('../src/source-mode.mjs');
  registerSourceMode();
  await import(source.href);
} else {
  await import('../dist/src/cli/main.js');
}
