import { type FormEvent, type ReactElement, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { TokenView } from '../api/types.js';
import { useConfirm } from '../components/use-confirm.js';
import { shortDate } from '../format.js';
import { toast } from '../state/store.js';

const SCOPES = ['read', 'write', 'admin'];

export function TokensTab({ isAdmin }: { isAdmin: boolean }): ReactElement {
  const [tokens, setTokens] = useState<TokenView[] | null>(null);
  const [created, setCreated] = useState<(TokenView & { token: string }) | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read', 'write']);
  const [user, setUser] = useState('');
  const [days, setDays] = useState('');
  const { dialog, ask } = useConfirm();
  const load = () =>
    api.tokens(isAdmin).then(
      (r) => setTokens(r.tokens),
      (err) => toast(errorText(err)),
    );
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once per role
  useEffect(() => {
    void load();
  }, [isAdmin]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      const t = await api.createToken({
        name: name.trim() || 'web',
        scopes,
        ...(user.trim() ? { username: user.trim() } : {}),
        ...(days ? { expiresInDays: Number(days) } : {}),
      });
      setCreated(t);
      setName('');
      void load();
    } catch (err) {
      toast(errorText(err));
    }
  }

  async function revoke(t: TokenView) {
    const ok = await ask({
      title: 'Revoke token',
      body: `Revoke the token “${t.name}” of ${t.username}? Anything using it stops working at once.`,
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.revokeToken(t.id);
      void load();
    } catch (err) {
      toast(errorText(err));
    }
  }

  return (
    <section>
      {dialog}
      <h1>API tokens</h1>
      <p className="muted">
        Tokens let scripts and the CLI act as a user. A token is shown once, when it is made.
      </p>
      <form className="inline-form" onSubmit={submit} data-testid="create-token-form">
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Name, e.g. ci"
          aria-label="Token name"
        />
        {isAdmin && (
          <input
            value={user}
            onChange={(e) => setUser(e.target.value)}
            placeholder="For user (default: you)"
            aria-label="For user"
          />
        )}
        <fieldset className="scopes">
          <legend className="sr-only">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) => setScopes((l) => (e.target.checked ? [...l, s] : l.filter((x) => x !== s)))}
              />
              {s}
            </label>
          ))}
        </fieldset>
        <input
          type="number"
          min={1}
          max={3650}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          placeholder="Expires in days"
          aria-label="Expires in days"
        />
        <button
          type="submit"
          className="btn primary"
          disabled={scopes.length === 0}
          data-testid="create-token"
        >
          Create token
        </button>
      </form>
      {created && (
        <div className="secret-once" role="status" data-testid="new-token">
          <div>
            <strong>Copy the token now.</strong> It is not shown again.
          </div>
          <code>{created.token}</code>
          <div className="row">
            <button
              type="button"
              className="btn small"
              onClick={() => void navigator.clipboard?.writeText(created.token)}
            >
              Copy
            </button>
            <button type="button" className="btn small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <div className="table-wrap">
        <table className="table" data-testid="tokens-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>User</th>
              <th>Scopes</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens?.map((t) => (
              <tr key={t.id} className={t.revokedAt ? 'disabled' : undefined}>
                <td>
                  <strong>{t.name}</strong>
                  <div className="muted small mono">{t.id}</div>
                </td>
                <td>{t.username}</td>
                <td>
                  {t.scopes.map((s) => (
                    <span key={s} className="tag">
                      {s}
                    </span>
                  ))}
                </td>
                <td className="muted">{shortDate(t.createdAt)}</td>
                <td className="muted">{t.lastUsedAt ? shortDate(t.lastUsedAt) : 'never'}</td>
                <td className="muted">{t.expiresAt ? shortDate(t.expiresAt) : 'never'}</td>
                <td className="right">
                  {t.revokedAt ? (
                    <span className="tag">revoked</span>
                  ) : (
                    <button type="button" className="btn small danger" onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
