/**
 * Accepting an invitation (`/invite#SECRET`): the secret stays in the URL fragment, which the browser
 * never sends to a server; the person picks a name and password, and is signed in.
 */
import { type FormEvent, useState } from 'react';
import { api, setSessionToken } from '../api/client.js';
import { ErrorNote } from '../components/common.js';

/** The page; `secret` was read from the fragment (and removed from the address bar) by the app. */
export function InvitePage({ secret, onSignedIn }: { secret: string; onSignedIn: () => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{ token: { token: string } }>(
        'POST',
        '/invitations/accept',
        { token: secret, name, password, ...(email.trim() ? { email: email.trim() } : {}) },
        { anonymous: true },
      );
      setSessionToken(r.token.token);
      history.replaceState(null, '', '/');
      onSignedIn();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  if (!secret) {
    return (
      <p className="note error" role="alert">
        This invitation link is incomplete: open the whole link from the mail.
      </p>
    );
  }
  return (
    <section className="card narrow">
      <h1>Accept your invitation</h1>
      <p className="muted">Choose the name and password you will sign in with.</p>
      <form onSubmit={submit}>
        <label>
          Name
          <input autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Mail address (optional)
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password (at least 12 characters)
          <input
            type="password"
            autoComplete="new-password"
            minLength={12}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <ErrorNote error={error} what="The invitation" />
        <button type="submit" disabled={busy}>
          {busy ? 'Accepting…' : 'Accept and sign in'}
        </button>
      </form>
    </section>
  );
}
