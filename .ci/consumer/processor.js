// A processor module in plain JavaScript, as a user without TypeScript writes it.
import { defineProcessor } from 'cortado';

export const square = defineProcessor(import.meta.url, 'square', (x) => x * x);
