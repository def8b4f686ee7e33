import { type ReactElement, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import type { Card, CardButton, Message } from '../api/types.js';
import { duration, parseDuration } from '../format.js';
import { neverBack } from '../state/elapsed.js';
import { cardReceivedAt } from '../state/events.js';
import { useChatUi } from './ui-context.js';

const NAMED_COLORS = new Set(['good', 'warning', 'danger', 'info', 'neutral']);
const JOB_TITLE = /^\S*\s*Job #(\d+)/u;
const LIVE_STATUSES = new Set(['queued', 'running']);

/** Buttons that change something for real ask first: danger style, and proposals being approved. */
export function isRisky(button: CardButton): boolean {
  return button.style === 'danger' || /^proposal\.(confirm|approve)$/.test(button.actionId);
}

function field(card: Card, title: string): string | undefined {
  return card.fields?.find((f) => f.title === title)?.value;
}

export function CardView({ message }: { message: Message }): ReactElement | null {
  const card = message.card;
  if (!card) return null;
  const jobId = JOB_TITLE.exec(card.title)?.[1];
  const named = card.color && NAMED_COLORS.has(card.color) ? card.color : undefined;
  return (
    <div
      className={`card${named ? ` card-${named}` : ''}${jobId ? ' job-card' : ''}`}
      data-testid={jobId ? 'job-card' : 'card'}
      data-job-id={jobId}
    >
      <span
        className="card-bar"
        aria-hidden="true"
        style={card.color && !named ? { background: card.color } : undefined}
      />
      <div className="card-body">
        {jobId ? (
          <JobHeader message={message} card={card} jobId={Number(jobId)} />
        ) : (
          <div className="card-title">{card.title}</div>
        )}
        {card.text && <div className="card-text">{card.text}</div>}
        {card.fields && card.fields.length > 0 && (
          <dl className="card-fields">
            {card.fields
              .filter((f) => !(jobId && (f.title === 'Status' || f.title === 'Duration')))
              .map((f, i) => (
                // Fields have no id; their order is the card's.
                // biome-ignore lint/suspicious/noArrayIndexKey: position is the identity of a card field
                <div key={i} className={f.short ? 'short' : 'long'}>
                  <dt>{f.title}</dt>
                  <dd>{f.value}</dd>
                </div>
              ))}
          </dl>
        )}
        {card.code && <CardCode content={card.code.content} live={jobId !== undefined} />}
        {card.buttons && card.buttons.length > 0 && <CardButtons message={message} buttons={card.buttons} />}
        {card.footer && <div className="card-footer">{card.footer}</div>}
      </div>
    </div>
  );
}

function JobHeader({ message, card, jobId }: { message: Message; card: Card; jobId: number }): ReactElement {
  const status = field(card, 'Status') ?? 'queued';
  const shown = field(card, 'Duration');
  const key = status.split(' ')[0] ?? status;
  const live = key === 'running';
  const title = card.title.replace(/^\S*\s*(?=Job #)/u, '');
  return (
    <div className="job-head">
      <span className={`status-badge status-${key.replace('_', '-')}`} data-testid="job-status">
        {LIVE_STATUSES.has(key) && <span className="pulse" aria-hidden="true" />}
        {status}
      </span>
      <span className="card-title">{title}</span>
      <span className="job-elapsed" data-testid="job-elapsed">
        {live && shown !== undefined ? (
          <LiveElapsed messageId={message.id} jobId={jobId} shown={shown} />
        ) : (
          shown
        )}
      </span>
    </div>
  );
}

/**
 * A running job's elapsed time, ticking. The card's Duration is as of its last update: a card that
 * came over the socket ticks on from when it arrived (no request, no clock skew); one loaded with
 * the history may be older than that, so the job's start comes from the jobs API once.
 */
function LiveElapsed(props: { messageId: string; jobId: number; shown: string }): ReactElement {
  const base = parseDuration(props.shown) ?? 0;
  const receivedAt = cardReceivedAt(props.messageId);
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const fromHistory = receivedAt === undefined;
  useEffect(() => {
    if (!fromHistory) return;
    let alive = true;
    api.job(props.jobId).then(
      (job) => {
        if (alive && job.startedAt) setStartedAt(Date.parse(job.startedAt));
      },
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [props.jobId, fromHistory]);
  const elapsed = neverBack(
    props.jobId,
    receivedAt !== undefined
      ? base + Math.max(0, now - receivedAt)
      : Math.max(base, startedAt === null ? 0 : now - startedAt),
  );
  // Tenths of a second show under ten seconds, whole seconds after.
  const tick = elapsed < 10_000 ? 100 : 1000;
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), tick);
    return () => clearInterval(timer);
  }, [tick]);
  return <>{duration(elapsed)}</>;
}

/** Output in monospace; follows the end as lines arrive unless the reader scrolled up in it. */
function CardCode({ content, live }: { content: string; live: boolean }): ReactElement {
  const ref = useRef<HTMLPreElement>(null);
  const stuck = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the output changes
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && live && stuck.current) el.scrollTop = el.scrollHeight;
  }, [content, live]);
  return (
    <div className="code-block">
      <pre
        ref={ref}
        className={live ? 'job-output' : undefined}
        data-testid={live ? 'job-output' : undefined}
        onScroll={(e) => {
          const el = e.currentTarget;
          stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        <code>{content}</code>
      </pre>
      <button
        type="button"
        className="copy-code"
        onClick={() => void navigator.clipboard?.writeText(content)}
        aria-label="Copy output"
      >
        Copy
      </button>
    </div>
  );
}

function CardButtons({ message, buttons }: { message: Message; buttons: CardButton[] }): ReactElement {
  const ui = useChatUi();
  return (
    <div className="card-buttons">
      {buttons.map((b) => (
        <button
          key={`${b.actionId}:${b.value ?? ''}`}
          type="button"
          className={`btn small ${b.style === 'primary' ? 'primary' : b.style === 'danger' ? 'danger' : ''}`}
          onClick={() => ui.pressButton(message, b)}
          data-testid={`card-button-${b.actionId}`}
        >
          {b.label}
        </button>
      ))}
    </div>
  );
}
