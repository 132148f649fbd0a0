/**
 * Bridges on a credential slot, shared by every data plane (the built-in node and the agents): a stage
 * may put the forward bridge on the staged credential (served from T until the bridge deadline) and the
 * reverse bridge on the active one (served from now until T, the same key: a chain-only change); an
 * unstage before T withdraws that reverse bridge with the staged credential. Pure.
 */
import { type CredentialRecord, checkedBridge } from './credential-record.js';
import type { Slot } from './slot.js';
import * as slots from './slot.js';

/** The staged record with its forward bridge (checked: it stands for the record's root, after T). */
export function withForwardBridge(
  record: CredentialRecord,
  activateAt: number,
  bridges: { forwardPem: string; until: Date } | undefined,
): CredentialRecord {
  if (!bridges) return record;
  return {
    ...record,
    bridge: checkedBridge(record, bridges.forwardPem, activateAt, bridges.until.getTime()),
  };
}

/** Stages `record` at `at`; with `reversePem` the active credential carries the reverse bridge until `at`. */
export function stageWithBridges(
  s: Slot<CredentialRecord>,
  record: CredentialRecord,
  at: number,
  now: number,
  reversePem: string | undefined,
): Slot<CredentialRecord> {
  const next = slots.stage(s, record, at, now);
  if (reversePem === undefined) return next;
  return { ...next, active: { ...next.active, bridge: checkedBridge(next.active, reversePem, now, at) } };
}

/** Unstages; a reverse bridge staged with the withdrawn credential (until its T) goes with it. */
export function unstageWithBridges(s: Slot<CredentialRecord>, now: number): Slot<CredentialRecord> {
  const next = slots.unstage(s, now);
  const t = s.staged && now < s.staged.activateAt ? s.staged.activateAt : undefined;
  if (t === undefined || next.active.bridge?.until !== t) return next;
  const { bridge: _withdrawn, ...active } = next.active;
  return { ...next, active };
}
