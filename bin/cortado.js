#!/usr/bin/env node
// The `cortado` command. tsx is registered first, so the CLI (TypeScript sources) and the user's
// processor modules (.ts or .js) load without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
