/**
 * The communication path drawn: sender back-end → LB virtual server → tenant, before and after T,
 * with the roots the sender trusts and the certificate the LB serves. A sender whose truststore lacks
 * the root of the served certificate is marked as breaking. Accessible: a titled SVG with a text
 * description, and the same facts in words beside it.
 */
import { outcome, type PathSender, trustedRoots, trustLabel } from './path-facts.js';

const W = 640;
const ROW = 36;

function Panel({
  x,
  label,
  serves,
  senders,
  tenant,
}: {
  x: number;
  label: string;
  serves: 'old' | 'new';
  senders: PathSender[];
  tenant: string;
}) {
  const lbY = 40 + (Math.max(1, senders.length) * ROW) / 2;
  return (
    <g transform={`translate(${x},0)`}>
      <text x={0} y={18} className="svg-heading">
        {label}
      </text>
      {senders.map((s, i) => {
        const y = 40 + i * ROW;
        const t = trustedRoots(s.state);
        const o = outcome(s, serves);
        const ok = (label === 'Before T' ? o.before : o.after) !== false;
        return (
          <g key={s.name}>
            <rect x={0} y={y} width={120} height={28} rx={4} className={ok ? 'svg-box' : 'svg-box svg-bad'} />
            <text x={6} y={y + 12} className="svg-small">
              {s.name.length > 18 ? `${s.name.slice(0, 17)}…` : s.name}
            </text>
            <text x={6} y={y + 24} className="svg-tiny">
              trusts {trustLabel(t)}
            </text>
            <line
              x1={120}
              y1={y + 14}
              x2={150}
              y2={lbY}
              className={ok ? 'svg-line' : 'svg-line svg-broken'}
            />
            {!ok ? (
              <text x={124} y={y + 8} className="svg-tiny svg-bad-text">
                ✗
              </text>
            ) : null}
          </g>
        );
      })}
      <rect x={150} y={lbY - 22} width={100} height={44} rx={4} className="svg-box svg-lb" />
      <text x={156} y={lbY - 6} className="svg-small">
        LB virtual server
      </text>
      <text x={156} y={lbY + 10} className="svg-tiny">
        serves {serves} cert
      </text>
      <line x1={250} y1={lbY} x2={266} y2={lbY} className="svg-line" />
      <rect x={266} y={lbY - 16} width={40} height={32} rx={4} className="svg-box" />
      <text x={270} y={lbY + 4} className="svg-tiny">
        {tenant.length > 7 ? `${tenant.slice(0, 6)}…` : tenant}
      </text>
    </g>
  );
}

/** The drawing for one tenant's senders (or all), before and after T. */
export function PathDiagram({
  senders,
  tenant,
  after,
}: {
  senders: PathSender[];
  tenant: string;
  /** Which certificate the LB serves after T: new, or old again after a rollback. */
  after: 'old' | 'new';
}) {
  const shown = senders.slice(0, 8);
  const height = 60 + Math.max(1, shown.length) * ROW;
  const words = shown.map((s) => {
    const o = outcome(s, after);
    if (s.status) {
      const aft =
        s.status.state === 'in-grace' && after === 'new'
          ? 'works: it is in grace, served the old certificate until its deadline'
          : o.after === null
            ? 'is unknown: no proof and no handshake on the new credential'
            : o.after
              ? 'works'
              : 'fails';
      return `${s.name}: before T it ${o.before ? 'worked' : 'failed'} on the old root; after T it ${aft}.`;
    }
    const t = trustedRoots(s.state);
    return `${s.name} trusts ${[t.old ? 'the old root' : '', t.new ? 'the new root' : ''].filter(Boolean).join(' and ') || 'no known root'}: before T it ${o.before ? 'works' : 'breaks'}, after T it ${o.after ? 'works' : 'breaks'}.`;
  });
  return (
    <figure className="path">
      <svg
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-labelledby="path-title path-desc"
        className="path-svg"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id="path-title">Communication path: sender back-end to LB virtual server to tenant</title>
        <desc id="path-desc">{words.join(' ')}</desc>
        <Panel x={4} label="Before T" serves="old" senders={shown} tenant={tenant} />
        <Panel x={330} label="After T" serves={after} senders={shown} tenant={tenant} />
      </svg>
      <figcaption>
        <ul className="path-words">
          {words.map((w) => (
            <li key={w}>{w}</li>
          ))}
          {senders.length > shown.length ? <li>…and {senders.length - shown.length} more senders.</li> : null}
        </ul>
      </figcaption>
    </figure>
  );
}
