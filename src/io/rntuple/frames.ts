import type { Cursor } from './cursor.ts';

/**
 * Reads a record frame (a positive 64-bit size that counts itself, then the payload) with
 * `body`, then skips whatever the payload holds beyond what `body` read: later format versions
 * may append fields to a record, and readers must ignore them.
 */
export function readRecord<T>(cur: Cursor, what: string, body: (cur: Cursor) => T): T {
  const start = cur.pos;
  const size = cur.i64(`the size of ${what}`);
  if (size < 0) throw cur.malformed(`Expected ${what} to be a record frame (positive size), got a list frame`);
  if (size < 8 || start + size > cur.end) {
    throw cur.malformed(`Expected ${what} to be a record frame of 8 to ${cur.end - start} bytes, got a size of ${size}`);
  }
  const outer = cur.end;
  cur.end = start + size;
  const value = body(cur);
  cur.pos = cur.end;
  cur.end = outer;
  return value;
}

/**
 * Reads a list frame (a negative 64-bit size that counts itself, a 32-bit item count, then the
 * items), each item with `item`, then `tail` (page lists store a column's element offset inside
 * its frame, after the pages); like {@link readRecord}, bytes after those are skipped.
 */
export function readList<T>(
  cur: Cursor, what: string, item: (cur: Cursor, index: number) => T, tail?: (cur: Cursor) => void,
): T[] {
  const start = cur.pos;
  const signed = cur.i64(`the size of ${what}`);
  if (signed >= 0) throw cur.malformed(`Expected ${what} to be a list frame (negative size), got a record frame`);
  const size = -signed;
  if (size < 12 || start + size > cur.end) {
    throw cur.malformed(`Expected ${what} to be a list frame of 12 to ${cur.end - start} bytes, got a size of ${size}`);
  }
  const outer = cur.end;
  cur.end = start + size;
  const count = cur.u32(`the item count of ${what}`);
  // Each item takes at least 4 bytes: a count beyond that is corrupt, not a huge allocation.
  if (count > (cur.end - cur.pos) / 4) {
    throw cur.malformed(`Expected at most ${Math.floor((cur.end - cur.pos) / 4)} items in ${what}, got a count of ${count}`);
  }
  const items: T[] = [];
  for (let i = 0; i < count; i++) items.push(item(cur, i));
  tail?.(cur);
  cur.pos = cur.end;
  cur.end = outer;
  return items;
}
