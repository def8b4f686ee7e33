import type { Card } from '../chat/schema.js';
import type { Command } from './command.js';
import { suggestFromText } from './natural-language.js';

export const SUGGESTION_ACTION = 'suggest.run';

/**
 * For free text that is not a command: the closest complete command lines, as a hint in the text and as
 * buttons. A button runs its line as whoever presses it, through the same checks as typing it (so a
 * risky command is still only proposed); nothing runs without that press.
 */
export function suggestionCard(
  line: string,
  commands: readonly Command[],
  nowMs: number,
): { text: string; card?: Card } {
  const ideas = suggestFromText(line, commands, { nowMs, limit: 3 }).filter(
    (s) => s.complete && s.line.length <= 500,
  );
  if (ideas.length === 0) return { text: '' };
  return {
    text: `\nPerhaps: ${ideas.map((s) => `\`${s.line}\``).join(', ')}`,
    card: {
      title: 'Did you mean…',
      color: 'info',
      text: 'Press a button to run it as yourself (risky commands still ask for confirmation).',
      buttons: ideas.map((s, i) => ({
        actionId: SUGGESTION_ACTION,
        label: s.line.length > 60 ? `${s.line.slice(0, 59)}…` : s.line,
        style: i === 0 ? ('primary' as const) : ('default' as const),
        value: s.line,
      })),
    },
  };
}

/** A misspelt command word, corrected: the fixed line as one button (the text already says "did you mean"). */
export function typoCard(line: string): { text: string; card?: Card } {
  if (line.length > 500) return { text: '' };
  return {
    text: '',
    card: {
      title: 'Did you mean…',
      color: 'info',
      buttons: [
        {
          actionId: SUGGESTION_ACTION,
          label: line.length > 60 ? `${line.slice(0, 59)}…` : line,
          style: 'primary',
          value: line,
        },
      ],
    },
  };
}
