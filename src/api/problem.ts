/**
 * problem+json answers of the coordinator API. The body and its status come from the one wire format
 * in `shared/problem.ts`, which derives the status from the code's kind; this edge adds its hints.
 */
import { PROBLEM_CONTENT_TYPE, type Problem, problemFrom as sharedProblemFrom } from '../shared/problem.js';
import { withApiHint } from './hints.js';

export { type Problem, problem, statusFor } from '../shared/problem.js';

/** The problem for anything thrown, with the API's hint for its code. */
export function problemFrom(e: unknown): Problem {
  return withApiHint(sharedProblemFrom(e));
}

/** A problem+json Response. */
export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}
