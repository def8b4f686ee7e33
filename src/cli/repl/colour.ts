import type { BotRunResult } from '../client.js';

const CODES = { green: 32, yellow: 33, red: 31 } as const;
type Colour = keyof typeof CODES;

/** Green for ok (and accepted jobs), yellow for a usage problem, red for a refusal or a failure. */
export function colourOf(outcome: BotRunResult['outcome'] | string): Colour {
  if (outcome === 'usage') return 'yellow';
  if (outcome === 'denied' || outcome === 'failed') return 'red';
  return 'green';
}

/** The text in the colour, each line on its own (a pager or `less -R` then keeps it right). */
export function paint(text: string, colour: Colour, enabled: boolean): string {
  if (!enabled || text === '') return text;
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `\x1b[${CODES[colour]}m${line}\x1b[39m`))
    .join('\n');
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org): output that goes
 * to a file or a pipe stays plain text.
 */
export function useColour(stream: { isTTY?: boolean }, noColor: string | undefined): boolean {
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}
