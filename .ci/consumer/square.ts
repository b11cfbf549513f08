// A TypeScript processor module: needs tsx, which the consumer has not installed.
import { defineProcessor } from 'cortado';

export const square = defineProcessor(import.meta.url, 'square', (x: number): number => x * x);
