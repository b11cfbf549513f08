import { describe, expect, it } from 'vitest';
import { registerErrorClass } from '../src/backends/errors/known-classes.ts';
import { deserializeError, serializeError } from '../src/backends/errors/serialize.ts';
import { BadResultError, CortadoError } from '../src/protocol/errors.ts';
import { matchesError } from '../src/protocol/policy.ts';

/** Sends an error the way a worker does: serialize, structured clone, deserialize. */
function cross(error: unknown): any {
  return deserializeError(structuredClone(serializeError(error)));
}

class CalibrationError extends Error {
  override name = 'CalibrationError';
  readonly run = 359_691;
}
class NamelessError extends Error {}
class RegisteredError extends Error {
  override name = 'RegisteredError';
  describe(): string {
    return `registered: ${this.message}`;
  }
}
registerErrorClass(RegisteredError);

describe('errors across threads', () => {
  it('keeps the class name, message, code, stack and own properties', () => {
    const original = Object.assign(new CalibrationError('no constants for run 359691'), { code: 'E_CALIB' });
    const back = cross(original);
    expect(back).toBeInstanceOf(Error);
    expect(back.name).toBe('CalibrationError');
    expect(back.message).toBe('no constants for run 359691');
    expect(back.code).toBe('E_CALIB');
    expect(back.run).toBe(359_691);
    expect(back.stack).toBe(original.stack);
    expect(back.crossedThread).toBe(true);
    expect(Object.keys(back)).not.toContain('crossedThread');
  });

  it('keeps the cause chain, with codes deep in it', () => {
    const root = Object.assign(new Error(`ENOENT: no such file, open 'a.root'`), { code: 'ENOENT' });
    const back = cross(new Error('could not load element 42', { cause: new TypeError('wrapped', { cause: root }) }));
    expect(back.cause).toBeInstanceOf(TypeError);
    expect(back.cause.cause.code).toBe('ENOENT');
    expect(matchesError(back, ['ENOENT'])).toBe(true);
  });

  it('lets an error policy match the class by name, as on the calling thread', () => {
    const back = cross(new CalibrationError('x'));
    expect(back instanceof CalibrationError).toBe(false);
    expect(matchesError(back, [CalibrationError])).toBe(true);
    expect(matchesError(back, [RangeError])).toBe(false);
  });

  it('names an error by its class when the class did not set a name', () => {
    const back = cross(new NamelessError('x'));
    expect(back.name).toBe('NamelessError');
    expect(matchesError(back, [NamelessError])).toBe(true);
  });

  it("rebuilds cortado's own errors and registered classes as real instances", () => {
    const bad = cross(new BadResultError('bad', { cause: new RangeError('inner') }));
    expect(bad).toBeInstanceOf(BadResultError);
    expect(bad).toBeInstanceOf(CortadoError);
    expect(bad.code).toBe('E_BAD_RESULT');
    expect(bad.cause).toBeInstanceOf(RangeError);
    const registered = cross(new RegisteredError('y'));
    expect(registered).toBeInstanceOf(RegisteredError);
    expect(registered.describe()).toBe('registered: y');
  });

  it('keeps an AggregateError with its errors', () => {
    const back = cross(new AggregateError([new CalibrationError('a'), new Error('b')], 'two'));
    expect(back).toBeInstanceOf(AggregateError);
    expect(back.errors.map((e: Error) => e.name)).toEqual(['CalibrationError', 'Error']);
  });

  it('carries thrown non-errors as they are, and uncloneable properties as strings', () => {
    expect(cross('just a string')).toBe('just a string');
    expect(cross({ reason: 42 })).toEqual({ reason: 42 });
    const back = cross(Object.assign(new Error('x'), { callback: () => 1 }));
    expect(typeof back.callback).toBe('string');
  });
});
