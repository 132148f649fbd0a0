import { isReady, type ReadinessState } from './readiness.js';

/** Gate policy: `block` needs every sender verified (or an override); `warn` goes on and escalates. */
export type GatePolicy = 'block' | 'warn';

/** The gate's decision before T. */
export interface GateDecision {
  decision: 'go' | 'blocked' | 'go-with-warning' | 'overridden';
  /** Senders not proven ready, by id. */
  notReady: string[];
  reason: string;
}

/**
 * Evaluates the readiness gate. An lb-admin override (with a reason) lets a blocked gate through and
 * is recorded as such; nothing else does. A sender counts as ready when it is verified, or — only when
 * the renewal accepts observed handshakes — when a handshake with the new credential was seen from its
 * addresses on the preview listener (`observed`: an observation no later failed proof contradicts).
 */
export function evaluateGate(p: {
  policy: GatePolicy;
  senders: Array<{ id: string; state: ReadinessState; observed?: boolean }>;
  override?: { by: string; reason: string };
  acceptObserved?: boolean;
}): GateDecision {
  const byObservation = (s: { state: ReadinessState; observed?: boolean }) =>
    !isReady(s.state) && Boolean(p.acceptObserved && s.observed);
  const notReady = p.senders.filter((s) => !isReady(s.state) && !byObservation(s)).map((s) => s.id);
  const observed = p.senders.filter(byObservation).length;
  if (notReady.length === 0)
    return {
      decision: 'go',
      notReady,
      reason:
        observed > 0
          ? `every sender is verified or observed (${observed} observed on the preview listener; this renewal accepts that)`
          : 'every sender is verified',
    };
  const what = `${notReady.length} of ${p.senders.length} sender(s) not verified${p.acceptObserved ? ' or observed' : ''}`;
  if (p.policy === 'warn')
    return { decision: 'go-with-warning', notReady, reason: `${what}; policy warn escalates and goes on` };
  if (p.override) {
    return {
      decision: 'overridden',
      notReady,
      reason: `${what}; overridden by ${p.override.by}: ${p.override.reason}`,
    };
  }
  return {
    decision: 'blocked',
    notReady,
    reason: `${what}; policy block holds the exchange until they are or an lb-admin overrides`,
  };
}
