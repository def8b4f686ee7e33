/** How people address the bot, from configuration. */
export interface Addressing {
  /** The bot's username, e.g. `opsbot`. */
  name: string;
  /** Other names it answers to. */
  aliases: readonly string[];
  /** Single-character prefixes, e.g. `!` and `/`. */
  prefixes: readonly string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiles the addressing rules into one function: given a message's text (and whether it was sent
 * in a direct conversation with the bot), the command line meant for the bot, or undefined when the
 * message is not for it. `@opsbot deploy`, `opsbot: deploy`, `opsbot, deploy`, `!deploy`, `/deploy`.
 */
export function compileAddressing(
  addressing: Addressing,
): (text: string, direct: boolean) => string | undefined {
  const names = [addressing.name, ...addressing.aliases].map(escapeRegExp).join('|');
  const byName = new RegExp(`^\\s*(?:@(?:${names})\\b[:,]?|(?:${names})[:,])\\s*`, 'i');
  const prefixes = new Set(addressing.prefixes);
  return (text, direct) => {
    const named = byName.exec(text);
    if (named) return text.slice(named[0].length).trim();
    const first = text.trimStart()[0];
    // `/` followed by a letter is a command; `/api/v2` or `// comment` is prose.
    if (first !== undefined && prefixes.has(first)) {
      const rest = text.trimStart().slice(1);
      if (/^[a-z]/i.test(rest) && !(first === '/' && /^[^\s]*\//.test(rest))) return rest.trim();
    }
    return direct ? text.trim() : undefined;
  };
}
