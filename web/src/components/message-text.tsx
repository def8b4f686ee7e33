import { memo, type ReactElement, type ReactNode, useLayoutEffect, useRef } from 'react';
import { isPlain, renderMarkdownInto } from '../markdown/render.js';

interface Props {
  text: string;
  me: string | undefined;
  /** Shown inline after the last line (the "(edited)" marker). */
  suffix?: ReactNode;
}

/** A message's text: plain lines as React text, anything else as sanitised Markdown. */
export const MessageText = memo(function MessageText({ text, me, suffix }: Props) {
  if (isPlain(text))
    return (
      <div className="md">
        {text}
        {suffix}
      </div>
    );
  if (!suffix) return <MarkdownText text={text} me={me} />;
  return (
    <div className="md-suffixed">
      <MarkdownText text={text} me={me} />
      {suffix}
    </div>
  );
});

function MarkdownText({ text, me }: { text: string; me: string | undefined }): ReactElement {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (ref.current) renderMarkdownInto(ref.current, text, me);
  }, [text, me]);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegation; the clicks that count are on the copy buttons, real buttons
    // biome-ignore lint/a11y/useKeyWithClickEvents: those buttons get Enter and Space from the browser
    <div
      className="md"
      ref={ref}
      onClick={(e) => {
        const button = (e.target as HTMLElement).closest('button[data-copy]');
        const code = button?.parentElement?.querySelector('pre')?.textContent;
        if (button && code !== undefined) {
          void navigator.clipboard?.writeText(code);
          button.textContent = 'Copied';
          setTimeout(() => {
            button.textContent = 'Copy';
          }, 1500);
        }
      }}
    />
  );
}
