/** Live updates and the in-app inbox: `GET /events` (server-sent `renewal` events) and `GET /inbox`. */
import { z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { inbox } from '../../coordinator/renewal/inbox.js';
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import { visibleFacts } from '../../coordinator/renewal/views.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';

/** Registers the events and inbox routes. */
export function registerEventRoutes(app: ApiApp, env: RenewalEnv): void {
  op(
    app,
    {
      method: 'get',
      path: '/api/v1/inbox',
      summary: 'Your in-app notifications, newest first',
      tag: 'renewals',
      response: z.array(
        z.object({
          id: z.string(),
          subject: z.string(),
          renewalId: z.string().nullable(),
          createdAt: z.string(),
        }),
      ),
    },
    (c) => inbox(env, c.var.principal),
  );
  app.get('/api/v1/events', (c) => {
    const p = c.var.principal;
    // The same rule as GET /renewals/{id}: an event about a renewal the caller would get 404 for is
    // never sent, not even its id (and none when visibility cannot be decided: fail closed).
    const maySee = (id: string) =>
      visibleFacts(env, p, id).then(
        () => true,
        () => false,
      );
    return streamSSE(c, async (stream) => {
      const queue: Array<{ id: string; state: string }> = [];
      let wake: (() => void) | undefined;
      const off = env.renewal.subscribe((id, state) => {
        queue.push({ id, state });
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted) {
        const next = queue.shift();
        if (next) {
          if (await maySee(next.id)) await stream.writeSSE({ event: 'renewal', data: JSON.stringify(next) });
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 15_000).unref();
        });
        if (!stream.aborted && queue.length === 0) await stream.writeSSE({ event: 'ping', data: '{}' });
      }
      off();
    });
  });
}
