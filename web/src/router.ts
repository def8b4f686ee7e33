// Routes live in the hash (`#/r/ops`, `#/admin/users`), so any path the server serves the app at
// works and a reload never needs a server-side fallback. Only /setup is a real path (the printed link).
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'setup'; token: string }
  | { page: 'room'; room: string | null; message?: string }
  | { page: 'admin'; tab: 'users' | 'tokens' | 'audit' | 'jobs' };

export function parseRoute(pathname: string, search: string, hash: string): Route {
  if (pathname === '/setup' || pathname === '/setup/') {
    return { page: 'setup', token: new URLSearchParams(search).get('token') ?? '' };
  }
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'admin') {
    const tab = parts[1];
    return { page: 'admin', tab: tab === 'tokens' || tab === 'audit' || tab === 'jobs' ? tab : 'users' };
  }
  if (parts[0] === 'r' && parts[1]) {
    return parts[2] === 'm' && parts[3]
      ? { page: 'room', room: parts[1], message: parts[3] }
      : { page: 'room', room: parts[1] };
  }
  return { page: 'room', room: null };
}

let current = readRoute();
const listeners = new Set<() => void>();

function readRoute(): Route {
  return parseRoute(location.pathname, location.search, location.hash);
}

function changed(): void {
  current = readRoute();
  for (const fn of listeners) fn();
}
window.addEventListener('hashchange', changed);
window.addEventListener('popstate', changed);

export function useRoute(): Route {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => current,
  );
}

export function roomHref(name: string): string {
  return `#/r/${encodeURIComponent(name)}`;
}

/** Goes to an in-app route; `replace` keeps the back button from stepping through it. */
export function navigate(hash: string, replace = false): void {
  const url = `/${hash.startsWith('#') ? hash : `#${hash}`}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  changed();
}
