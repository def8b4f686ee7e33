import { type FormEvent, type ReactElement, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';

function AuthShell({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle: string;
  children: ReactElement;
}) {
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <div className="brand-mark" aria-hidden="true" />
          <span>Opsroom</span>
        </div>
        <h1>{title}</h1>
        <p className="muted">{subtitle}</p>
        {children}
      </div>
    </main>
  );
}

export function LoginPage({ onSignedIn, setupPending }: { onSignedIn: () => void; setupPending: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.login(username.trim(), password);
      onSignedIn();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <AuthShell title="Sign in" subtitle="Your team's operations, in one room.">
      <form onSubmit={submit} className="form" data-testid="login-form">
        {setupPending && (
          <p className="notice" role="status">
            This server is not set up yet. Open the one-time setup link printed in the server's console to
            choose the admin password, or <a href="/setup">enter the setup token</a>.
          </p>
        )}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary wide" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthShell>
  );
}

export function SetupPage({ token: fromLink, onDone }: { token: string; onDone: () => void }) {
  // The printed link carries the token; opened without it, the token can be pasted here.
  const [token, setToken] = useState(fromLink);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== again) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      await api.setup(token.trim(), password);
      onDone();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <AuthShell
      title="Welcome to Opsroom"
      subtitle="Choose a password for the admin account to finish setting up."
    >
      <form onSubmit={submit} className="form" data-testid="setup-form">
        {!fromLink && (
          <label>
            Setup token
            <input
              name="token"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              required
              data-testid="setup-token"
            />
            <span className="hint">
              The server prints it at start while setup is pending (<code>/setup?token=…</code>).
            </span>
          </label>
        )}
        <label>
          Username
          <input value="admin" readOnly autoComplete="username" />
        </label>
        <label>
          New password
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
          <span className="hint">At least 8 characters.</span>
        </label>
        <label>
          Repeat the password
          <input
            name="password-again"
            type="password"
            autoComplete="new-password"
            minLength={8}
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="btn primary wide"
          disabled={busy || !token.trim()}
          data-testid="setup-submit"
        >
          {busy ? 'Setting up…' : 'Set password and sign in'}
        </button>
      </form>
    </AuthShell>
  );
}
