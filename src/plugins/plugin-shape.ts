/** The checks a would-be plugin value must pass, shared by definePlugin and the loader. */

const PLUGIN_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** The problems with a would-be plugin value (empty when it is fine); the loader reports them by file. */
export function pluginProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null)
    return ['a plugin must be an object made by definePlugin({...})'];
  const plugin = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof plugin.name !== 'string' || !PLUGIN_NAME.test(plugin.name)) {
    problems.push(
      `name '${String(plugin.name)}' must be a lower-case word (a-z, 0-9, '-', '_'), at most 40 characters`,
    );
  }
  if (plugin.commands !== undefined && !Array.isArray(plugin.commands))
    problems.push('commands must be a list');
  if (plugin.setup !== undefined && typeof plugin.setup !== 'function')
    problems.push('setup must be a function');
  if (plugin.commands === undefined && plugin.setup === undefined) {
    problems.push('a plugin needs commands, a setup function, or both');
  }
  return problems;
}
