import { lazy, type ReactElement, Suspense, useCallback, useEffect, useState } from 'react';
import { api } from './api/client.js';
import { setUnauthenticatedHandler } from './api/http.js';
import { LoginPage, SetupPage } from './components/auth-pages.js';
import { ChatLayout } from './components/chat-layout.js';
import { Toasts } from './components/toasts.js';
import { navigate, useRoute } from './router.js';
import { startSession, stopSession } from './state/chat-actions.js';

type Phase = 'loading' | 'signed-out' | 'signed-in';

// Admin pages are for a few people, now and then: their code loads when first opened.
const AdminPage = lazy(() => import('./admin/admin-page.js').then((m) => ({ default: m.AdminPage })));

export function App(): ReactElement {
  const route = useRoute();
  const [phase, setPhase] = useState<Phase>('loading');
  const [setupPending, setSetupPending] = useState(false);

  const enter = useCallback(async () => {
    try {
      await startSession();
      setPhase('signed-in');
    } catch {
      stopSession();
      setPhase('signed-out');
      api.setupPending().then(
        (r) => setSetupPending(r.pending),
        () => {},
      );
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the session starts once per page load; later route changes happen inside it
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      stopSession();
      setPhase('signed-out');
    });
    if (route.page !== 'setup') void enter();
  }, []);

  if (route.page === 'setup') {
    return (
      <SetupPage
        token={route.token}
        onDone={() => {
          history.replaceState(null, '', '/');
          navigate('#/', true);
          void enter();
        }}
      />
    );
  }
  if (phase === 'loading') return <Splash />;
  if (phase === 'signed-out')
    return <LoginPage setupPending={setupPending} onSignedIn={() => void enter()} />;
  return (
    <>
      {route.page === 'admin' ? (
        <Suspense fallback={<Splash />}>
          <AdminPage tab={route.tab} />
        </Suspense>
      ) : (
        <ChatLayout route={route} />
      )}
      <Toasts />
    </>
  );
}

function Splash(): ReactElement {
  return (
    <div className="splash" aria-busy="true">
      <div className="brand-mark" aria-hidden="true" />
      <span>Opsroom</span>
    </div>
  );
}

/** Ends the session on the server and shows sign-in. */
export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } finally {
    stopSession();
    location.assign('/');
  }
}
