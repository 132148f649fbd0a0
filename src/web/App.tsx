/**
 * The shell: sign-in, then each role lands on its own work. The personal sender link (/s/{token})
 * needs no account. Routes: /lb, /lb/new, /renewals/{id}, /tenant, /sender, /audit, /s/{token},
 * /invite#SECRET (accept an invitation) and /#signin=SECRET (a one-time sign-in link). Secrets in a
 * fragment never reach a server; they are read once and removed from the address bar.
 */
import { type ReactElement, type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, api, get, sessionToken, setSessionToken } from './api/client.js';
import type { Me, Role } from './api/types.js';
import { Link } from './components/common.js';
import { closeLive } from './lib/live.js';
import { navigate, usePath } from './lib/router.js';
import { localZone } from './lib/time.js';
import { AuditorPage } from './pages/AuditorPage.js';
import { InvitePage } from './pages/InvitePage.js';
import { LbAdminPage } from './pages/LbAdminPage.js';
import { NewRenewalPage } from './pages/NewRenewalPage.js';
import { RenewalPage } from './pages/RenewalPage.js';
import { SenderLinkPage } from './pages/SenderLinkPage.js';
import { SenderPage } from './pages/SenderPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TenantPage } from './pages/TenantPage.js';

/** Where each role starts, and the label of its page. */
const LANDING: Record<Role, { path: string; label: string }> = {
  'lb-admin': { path: '/lb', label: 'Load balancer' },
  'tenant-admin': { path: '/tenant', label: 'Tenant inbox' },
  'integration-developer': { path: '/tenant', label: 'Tenant inbox' },
  'sender-admin': { path: '/sender', label: 'My senders' },
  auditor: { path: '/audit', label: 'Audit log' },
};

function rolesOf(me: Me): Role[] {
  return [...new Set(me.roles.map((r) => r.role))];
}

/** Reads a secret from the fragment (`#name=SECRET` or `#SECRET`) once and removes it from the address bar. */
function takeFragment(prefix: string): string | undefined {
  const h = location.hash.slice(1);
  if (!h || (prefix && !h.startsWith(prefix))) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(h.slice(prefix.length));
}

// Read before the first render, so no render ever shows them.
let signInLink = takeFragment('signin=');
const inviteSecret = location.pathname === '/invite' ? (takeFragment('') ?? '') : undefined;

/** The app. */
export function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(Boolean(sessionToken()) || Boolean(signInLink));
  const [linkError, setLinkError] = useState<Error>();

  const loadMe = useCallback(async () => {
    if (!sessionToken()) {
      setMe(null);
      setChecking(false);
      return;
    }
    try {
      setMe(await get<Me>('/me'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setSessionToken(null);
      setMe(null);
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    if (signInLink) {
      // A one-time sign-in link: exchanged once for an ordinary session (and forgotten here).
      const secret = signInLink;
      signInLink = undefined;
      api<{ token: string }>('POST', '/sessions/link', { token: secret }, { anonymous: true })
        .then((r) => setSessionToken(r.token))
        .catch((e: unknown) => setLinkError(e instanceof Error ? e : new Error(String(e))))
        .finally(() => void loadMe());
    } else void loadMe();
    const out = () => {
      setSessionToken(null);
      closeLive();
      setMe(null);
    };
    window.addEventListener('rollover:signed-out', out);
    return () => window.removeEventListener('rollover:signed-out', out);
  }, [loadMe]);

  // The personal link works without an account, whether signed in or not.
  const link = /^\/s\/([^/]+)$/.exec(path);
  if (link?.[1]) {
    return (
      <Shell>
        <SenderLinkPage token={decodeURIComponent(link[1])} />
      </Shell>
    );
  }
  if (checking) return <Shell>{null}</Shell>;
  if (!me && path === '/invite' && inviteSecret !== undefined) {
    return (
      <Shell>
        <InvitePage secret={inviteSecret} onSignedIn={loadMe} />
      </Shell>
    );
  }
  if (!me) {
    return (
      <Shell>
        {linkError ? (
          <p className="note error" role="alert">
            Sign-in link: {linkError.message}
          </p>
        ) : null}
        <SignInPage onSignedIn={loadMe} />
      </Shell>
    );
  }
  const roles = rolesOf(me);
  const landing = roles[0] ? LANDING[roles[0]].path : '/audit';
  const signOut = () => {
    setSessionToken(null);
    closeLive();
    setMe(null);
    navigate('/');
  };
  let page: ReactElement;
  const renewal = /^\/renewals\/([^/]+)$/.exec(path);
  if (path === '/' || path === '' || path === '/invite') {
    page = <Redirect to={landing} />;
  } else if (path === '/lb') page = <LbAdminPage />;
  else if (path === '/lb/new') page = <NewRenewalPage />;
  else if (renewal?.[1]) page = <RenewalPage id={decodeURIComponent(renewal[1])} me={me} />;
  else if (path === '/tenant') page = <TenantPage me={me} />;
  else if (path === '/sender') page = <SenderPage me={me} />;
  else if (path === '/audit') page = <AuditorPage />;
  else page = <p>There is no page at {path}.</p>;
  const nav = [...new Map(roles.map((r) => [LANDING[r].path, LANDING[r]])).values()];
  return (
    <Shell
      header={
        <>
          <nav aria-label="Main">
            <ul>
              {nav.map((n) => (
                <li key={n.path}>
                  <Link to={n.path} className={path.startsWith(n.path) ? 'current' : ''}>
                    {n.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="who">
            <span>
              {me.name} · {roles.join(', ')}
            </span>{' '}
            <button type="button" className="link-button" onClick={signOut}>
              Sign out
            </button>
          </div>
        </>
      }
    >
      {page}
    </Shell>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => {
    history.replaceState(null, '', to);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, [to]);
  return null;
}

function Shell({ children, header }: { children: ReactNode; header?: ReactNode }) {
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">rollover</span>
        {header}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="muted">Times are shown in {localZone()} and UTC.</footer>
    </>
  );
}
