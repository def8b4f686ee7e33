// Light and dark: follows the system unless the user picked one (kept in localStorage).
import { useSyncExternalStore } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'opsroom.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();

function chosen(): Theme | null {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : null;
}

export function currentTheme(): Theme {
  return chosen() ?? (media.matches ? 'dark' : 'light');
}

export function applyTheme(): void {
  document.documentElement.dataset.theme = currentTheme();
  for (const fn of listeners) fn();
}

export function toggleTheme(): void {
  localStorage.setItem(KEY, currentTheme() === 'dark' ? 'light' : 'dark');
  applyTheme();
}

media.addEventListener('change', applyTheme);

export function useTheme(): Theme {
  return useSyncExternalStore((fn) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, currentTheme);
}
