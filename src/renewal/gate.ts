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
 * is recorded as such; nothing else does.
 */
export function evaluateGate(p: {
  policy: GatePolicy;
  senders: Array<{ id: string; state: ReadinessState }>;
  override?: { by: string; reason: string };
}): GateDecision {
  const notReady = p.senders.filter((s) => !isReady(s.state)).map((s) => s.id);
  if (notReady.length === 0) return { decision: 'go', notReady, reason: 'every sender is verified' };
  const what = `${notReady.length} of ${p.senders.length} sender(s) not verified`;
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
