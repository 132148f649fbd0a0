/**
 * The communication path drawn: sender back-end → LB virtual server → tenant, before and after T,
 * with the roots the sender trusts and the certificate the LB serves. A sender whose truststore lacks
 * the root of the served certificate is marked as breaking. Accessible: a titled SVG with a text
 * description, and the same facts in words beside it.
 */
import {
  type LbWords,
  lbWords,
  outcome,
  type PathSender,
  senderWords,
  trustedRoots,
  trustLabel,
} from './path-facts.js';

const W = 660;
const ROW = 36;
/** The LB box's width (its lines say what it serves, to whom in grace and until when). */
const LB_W = 112;

function Panel({
  x,
  label,
  serves,
  lb,
  senders,
  tenant,
}: {
  x: number;
  label: string;
  serves: 'old' | 'new';
  lb: LbWords;
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
      <rect
        x={150}
        y={lbY - 22}
        width={LB_W}
        height={44 + 11 * (lb.lines.length - 1)}
        rx={4}
        className="svg-box svg-lb"
      />
      <text x={156} y={lbY - 6} className="svg-small">
        LB virtual server
      </text>
      {lb.lines.map((line, i) => (
        <text key={line} x={156} y={lbY + 10 + 11 * i} className="svg-tiny">
          {line}
        </text>
      ))}
      <line x1={150 + LB_W} y1={lbY} x2={166 + LB_W} y2={lbY} className="svg-line" />
      <rect x={166 + LB_W} y={lbY - 16} width={40} height={32} rx={4} className="svg-box" />
      <text x={170 + LB_W} y={lbY + 4} className="svg-tiny">
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
  const lb = { before: lbWords('before', 'old', senders), after: lbWords('after', after, senders) };
  const boxGrows = 11 * (Math.max(lb.before.lines.length, lb.after.lines.length) - 1);
  const height = 60 + Math.max(1, shown.length) * ROW + boxGrows;
  const words = [
    ...(lb.before.lines.length > 1 ? [lb.before.sentence] : []),
    lb.after.sentence,
    ...shown.map((s) => senderWords(s, after)),
  ];
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
        <Panel x={4} label="Before T" serves="old" lb={lb.before} senders={shown} tenant={tenant} />
        <Panel x={340} label="After T" serves={after} lb={lb.after} senders={shown} tenant={tenant} />
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
