/**
 * The node-control port over a node's loopback control API (docs/lb.md), through the one client of
 * the control interface. Error answers come back as typed errors with the node's code.
 */
import type { NodeControl } from '../coordinator/renewal/node-control.js';
import { controlClient } from '../lb/control-client.js';

/** The control client over HTTP. */
export const httpNodeControl: NodeControl = {
  stage: (ep, vs, req) => controlClient(ep).stage(vs, req),
  unstage: (ep, vs) => controlClient(ep).unstage(vs),
  activate: (ep, vs) => controlClient(ep).activate(vs),
  rollback: (ep, vs) => controlClient(ep).rollback(vs),
  status: (ep) => controlClient(ep).status(),
  failures: (ep) => controlClient(ep).failures(),
  exceptions: (ep, vs, change) => controlClient(ep).exceptions(vs, change),
};
