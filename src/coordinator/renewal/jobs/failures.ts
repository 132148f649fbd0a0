/** Attribution after T: handshake failures per client address, counted against senders' address hints. */
import { addressMatches } from '../../../shared/ip.js';
import type { ReadinessRepo } from '../../ports/readiness.js';

/** Records, per sender, the failures after T from client addresses its hints cover (only changes are written). */
export async function attributeFailures(
  readiness: ReadinessRepo,
  renewalId: string,
  perClient: ReadonlyMap<string, number>,
): Promise<void> {
  for (const s of await readiness.hints(renewalId)) {
    let n = 0;
    for (const [client, count] of perClient)
      if (s.sourceAddresses.some((h) => addressMatches(client, h))) n += count;
    if (n !== s.failuresAfterT) await readiness.setFailuresAfterT(s.readinessId, n);
  }
}
