import { type FormEvent, type ReactElement, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { errorText } from '../api/http.js';
import type { UserView } from '../api/types.js';
import { Avatar } from '../components/icons.js';
import { shortDate } from '../format.js';
import { toast } from '../state/store.js';

const ROLES = ['admin', 'operator', 'responder', 'member', 'viewer'];

export function UsersTab(): ReactElement {
  const [users, setUsers] = useState<UserView[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const load = () =>
    api.users().then(
      (r) => setUsers(r.users),
      (err) => toast(errorText(err)),
    );
  // biome-ignore lint/correctness/useExhaustiveDependencies: the list loads once; changes reload it explicitly
  useEffect(() => {
    void load();
  }, []);
  return (
    <section>
      <h1>Users and roles</h1>
      <AddUser onAdded={() => void load()} />
      <div className="table-wrap">
        <table className="table" data-testid="users-table">
          <thead>
            <tr>
              <th>User</th>
              <th>Roles</th>
              <th className="narrow-hide">Password</th>
              <th className="narrow-hide">Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users?.map((u) => (
              <tr key={u.id} className={u.disabled ? 'disabled' : undefined}>
                <td>
                  <div className="user-cell">
                    <Avatar name={u.username} size={28} />
                    <div>
                      <strong>{u.username}</strong>
                      {u.displayName && u.displayName !== u.username && (
                        <div className="muted small">{u.displayName}</div>
                      )}
                    </div>
                  </div>
                </td>
                <td>
                  {editing === u.username ? (
                    <RoleEditor
                      user={u}
                      onDone={(updated) => {
                        setEditing(null);
                        if (updated)
                          setUsers((list) => list?.map((x) => (x.id === updated.id ? updated : x)) ?? null);
                      }}
                    />
                  ) : (
                    u.roles.map((r) => (
                      <span key={r} className={`tag${r === 'admin' ? ' danger' : ''}`}>
                        {r}
                      </span>
                    ))
                  )}
                </td>
                <td className="narrow-hide">{u.hasPassword ? 'set' : <span className="muted">none</span>}</td>
                <td className="muted narrow-hide">{shortDate(u.createdAt)}</td>
                <td className="right">
                  {editing !== u.username && (
                    <button type="button" className="btn small" onClick={() => setEditing(u.username)}>
                      Edit roles
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

function RoleEditor({
  user,
  onDone,
}: {
  user: UserView;
  onDone: (u: UserView | null) => void;
}): ReactElement {
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [custom, setCustom] = useState(user.roles.filter((r) => !ROLES.includes(r)).join(', '));
  async function save() {
    const all = [
      ...roles.filter((r) => ROLES.includes(r)),
      ...custom
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ];
    try {
      onDone(await api.setRoles(user.username, all));
    } catch (err) {
      toast(errorText(err));
    }
  }
  return (
    <div className="role-editor">
      {ROLES.map((r) => (
        <label key={r} className="check">
          <input
            type="checkbox"
            checked={roles.includes(r)}
            onChange={(e) =>
              setRoles((list) => (e.target.checked ? [...list, r] : list.filter((x) => x !== r)))
            }
          />
          {r}
        </label>
      ))}
      <input
        value={custom}
        onChange={(e) => setCustom(e.target.value)}
        placeholder="custom roles, comma separated"
        aria-label="Custom roles"
      />
      <div className="row">
        <button type="button" className="btn small primary" onClick={() => void save()}>
          Save
        </button>
        <button type="button" className="btn small" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function AddUser({ onAdded }: { onAdded: () => void }): ReactElement {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState('member');
  const [password, setPassword] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await api.createUser({
        username: username.trim(),
        roles: [role],
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
        ...(password ? { password } : {}),
      });
      setUsername('');
      setDisplayName('');
      setPassword('');
      toast(`Added ${username}.`, 'info');
      onAdded();
    } catch (err) {
      toast(errorText(err));
    }
  }
  return (
    <form className="inline-form" onSubmit={submit} data-testid="add-user-form">
      <input
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        placeholder="username"
        aria-label="Username"
        required
      />
      <input
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
        placeholder="Display name"
        aria-label="Display name"
      />
      <select value={role} onChange={(e) => setRole(e.target.value)} aria-label="Role">
        {ROLES.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      <input
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        placeholder="Password (8+)"
        aria-label="Password"
        autoComplete="new-password"
        minLength={8}
      />
      <button type="submit" className="btn primary">
        Add user
      </button>
    </form>
  );
}
