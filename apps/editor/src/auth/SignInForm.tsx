import { useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { ApiError, UnreachableError } from '../lib/api-client';
import { useApi } from '../components/ApiContext';
import { sessionToken } from './session-token';

/** Shown instead of a page when the runner answers 401: asks for its token once, checks it, keeps it for the session. */
export function SignInForm() {
  const api = useApi();
  const reason = useStore(sessionToken, (s) => s.reason);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const candidate = token.trim();
    if (!candidate) return setError('Enter the token.');
    setBusy(true);
    setError(undefined);
    try {
      // checked before it is kept: a wrong token never reaches storage
      await api.checkToken(candidate);
      sessionToken.getState().signIn(candidate);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'This runner did not accept that token. Use the value of PATCHBAY_TOKEN the runner was started with.'
          : err instanceof ApiError && err.status === 403
            ? `That token cannot open the editor: ${err.message}`
            : err instanceof UnreachableError
              ? err.message
              : `Could not reach the runner: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="list-page sign-in" data-testid="sign-in">
      <h1>Sign in to this runner</h1>
      <p className="muted">
        This runner needs its token (<code>PATCHBAY_TOKEN</code>). The editor keeps it in this tab until you sign out or close the tab, and sends it with every request.
      </p>
      {reason && (
        <p data-testid="sign-in-reason" role="status">
          {reason}
        </p>
      )}
      <form onSubmit={submit} className="actions">
        <div>
          <label htmlFor="sign-in-token">Token</label>
          <input id="sign-in-token" data-testid="sign-in-token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} />
        </div>
        <button type="submit" className="primary" data-testid="sign-in-submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error && (
        <p className="error-text" role="alert" data-testid="sign-in-error">
          {error}
        </p>
      )}
    </main>
  );
}
