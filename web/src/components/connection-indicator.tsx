import type { ReactElement } from 'react';
import { useStore } from '../state/store.js';

const TEXT = { open: 'Connected', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;

export function ConnectionIndicator(): ReactElement {
  const connection = useStore((s) => s.connection);
  return (
    <output
      className={`conn ${connection}`}
      data-testid="connection"
      data-state={connection}
      title={TEXT[connection]}
    >
      <span className="dot" aria-hidden="true" />
      <span className="conn-text">{TEXT[connection]}</span>
    </output>
  );
}
