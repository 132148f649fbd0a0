/**
 * What a decoder did with one input: returned, refused it with a typed error (a RolloverError whose
 * code is one of the stable codes), or failed some other way (a finding: a crash of the decoder's
 * contract, to be fixed in the decoder).
 */
import { ERROR_CODES, RolloverError } from '../src/shared/errors.js';

/** The outcome of one input. */
export type Outcome =
  | { kind: 'ok' }
  | { kind: 'typed'; code: string }
  | { kind: 'untyped'; name: string; message: string; stack: string };

/** Classifies a thrown value. */
export function classify(e: unknown): Exclude<Outcome, { kind: 'ok' }> {
  if (e instanceof RolloverError && Object.hasOwn(ERROR_CODES, e.code))
    return { kind: 'typed', code: e.code };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    kind: 'untyped',
    name: err.name,
    message: err.message.slice(0, 300),
    stack: (err.stack ?? '').split('\n').slice(0, 8).join('\n'),
  };
}

/** A short signature of an untyped failure (name and first stack frame), to count distinct findings. */
export function findingKey(o: Extract<Outcome, { kind: 'untyped' }>): string {
  const frame = o.stack.split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
  // The error's class and where it was thrown: the message varies with the input.
  return `${o.name} @ ${frame.trim().replace(/:\d+:\d+\)?$/, '')}`;
}
