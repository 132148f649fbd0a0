/**
 * A small builder for routes: one call declares the route (for validation and the OpenAPI document,
 * with the standard problem answers and the bearer requirement) and registers its handler with the
 * validated input already typed.
 */
import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ApiApp, ApiEnv } from './context.js';
import { ProblemBody } from './schemas.js';

type Method = 'get' | 'post' | 'patch' | 'delete';

const problemContent = { 'application/problem+json': { schema: ProblemBody } };
const problems = {
  400: { description: 'malformed or invalid input', content: problemContent },
  401: { description: 'no valid token', content: problemContent },
  403: { description: 'your role may not do this', content: problemContent },
  404: { description: 'does not exist or is outside your scope', content: problemContent },
  409: { description: 'conflicts with the current state', content: problemContent },
} as const;

/** Options of {@link op}. */
export interface RouteOptions<B, Pm, Q> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  body?: B;
  params?: Pm;
  query?: Q;
  response: z.ZodType;
  status?: 200 | 201;
  /** Public routes take no bearer token. */
  public?: boolean;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

/** The validated input a handler receives. */
export interface RouteInput<B, Pm, Q> {
  body: Infer<B>;
  params: Infer<Pm>;
  query: Infer<Q>;
}

/** The route definition, for the OpenAPI document and the validators. */
export function defineRoute<B, Pm, Q>(o: RouteOptions<B, Pm, Q>) {
  return createRoute({
    method: o.method,
    path: o.path,
    summary: o.summary,
    tags: [o.tag],
    ...(o.public ? {} : { security: [{ bearer: [] }] }),
    request: {
      ...(o.body
        ? {
            body: {
              required: true,
              content: { 'application/json': { schema: o.body as unknown as z.ZodType } },
            },
          }
        : {}),
      ...(o.params ? { params: o.params as unknown as z.ZodObject } : {}),
      ...(o.query ? { query: o.query as unknown as z.ZodObject } : {}),
    },
    responses: {
      [o.status ?? 200]: { description: 'success', content: { 'application/json': { schema: o.response } } },
      ...problems,
    },
  });
}

/** Declares a route and registers `handler`; its result is sent as JSON with the route's status. */
export function op<
  B extends z.ZodType | undefined,
  Pm extends z.ZodObject | undefined,
  Q extends z.ZodObject | undefined,
>(
  app: ApiApp,
  o: RouteOptions<B, Pm, Q>,
  handler: (c: Context<ApiEnv>, input: RouteInput<B, Pm, Q>) => Promise<unknown>,
): void {
  // biome-ignore lint/suspicious/noExplicitAny: the builder trades zod-openapi's deep route typing for typed input
  app.openapi(defineRoute(o) as any, async (c: any) => {
    const input = {
      body: o.body ? c.req.valid('json') : undefined,
      params: o.params ? c.req.valid('param') : undefined,
      query: o.query ? c.req.valid('query') : undefined,
    } as RouteInput<B, Pm, Q>;
    return c.json(await handler(c, input), o.status ?? 200);
  });
}
