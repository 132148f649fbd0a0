/** The announcement key as a JWKS at `/.well-known/rollover-jwks.json` (public), for `rollover notice verify`. */
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import type { ApiApp } from '../context.js';

/** Registers the JWKS route. */
export function registerJwksRoute(app: ApiApp, env: RenewalEnv): void {
  app.get('/.well-known/rollover-jwks.json', (c) => c.json({ keys: [env.renewal.announcementKey.jwk] }));
}
