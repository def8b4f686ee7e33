import type { ReactElement } from 'react';
import { Icon, type IconName } from '../components/icons.js';
import { Toasts } from '../components/toasts.js';
import { useStore } from '../state/store.js';
import { toggleTheme, useTheme } from '../theme.js';
import { AuditTab } from './audit-tab.js';
import { JobsTab } from './jobs-tab.js';
import { TokensTab } from './tokens-tab.js';
import { UsersTab } from './users-tab.js';

type Tab = 'users' | 'tokens' | 'audit' | 'jobs';
const TABS: { id: Tab; label: string; icon: IconName }[] = [
  { id: 'users', label: 'Users and roles', icon: 'users' },
  { id: 'tokens', label: 'API tokens', icon: 'key' },
  { id: 'audit', label: 'Audit log', icon: 'logs' },
  { id: 'jobs', label: 'Jobs', icon: 'play' },
];

export function AdminPage({ tab }: { tab: Tab }): ReactElement {
  const me = useStore((s) => s.me);
  const theme = useTheme();
  const isAdmin = me?.roles.includes('admin') ?? false;
  return (
    <div className="admin">
      <header className="admin-top">
        <a href="#/" className="back" data-testid="back-to-chat">
          <span className="brand-mark small" aria-hidden="true" />
          <span>Opsroom</span>
        </a>
        <span className="muted admin-label">Administration</span>
        <span className="spacer" />
        <button
          type="button"
          className="icon-btn"
          onClick={toggleTheme}
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        >
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
        <a href="#/" className="btn small">
          Back to chat
        </a>
      </header>
      <div className="admin-body">
        <nav className="admin-nav" aria-label="Administration">
          {TABS.map((t) => (
            <a
              key={t.id}
              href={`#/admin/${t.id}`}
              className={tab === t.id ? 'active' : undefined}
              aria-current={tab === t.id ? 'page' : undefined}
              data-testid={`admin-tab-${t.id}`}
            >
              <Icon name={t.icon} size={16} />
              <span>{t.label}</span>
            </a>
          ))}
        </nav>
        <main className="admin-main">
          {!isAdmin && tab !== 'tokens' && tab !== 'jobs' ? (
            <p className="notice">Only admins can see this page.</p>
          ) : tab === 'users' ? (
            <UsersTab />
          ) : tab === 'tokens' ? (
            <TokensTab isAdmin={isAdmin} />
          ) : tab === 'audit' ? (
            <AuditTab />
          ) : (
            <JobsTab />
          )}
        </main>
      </div>
      <Toasts />
    </div>
  );
}
