/** `{{arg}}` templates in permissions and lock names (`deploy:{{env}}`, `deploy:{{app}}:{{env}}`). */

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Fills `{{arg}}` in a template; a missing optional argument becomes ''. Values are percent-encoded
 * (`*` and `:` included), so a user's argument can never add a permission segment or a wildcard:
 * `svc:{{name}}` with name `*` gives `svc:%2A`, not `svc:*`.
 */
export function renderTemplate(template: string, args: Readonly<Record<string, unknown>>): string {
  // Most permissions (`ops:read`) have nothing to fill: checked before every command runs.
  if (!template.includes('{{')) return template;
  return template.replace(TEMPLATE, (_, name: string) => {
    const value = args[name];
    if (value === undefined || value === null) return '';
    const text = value instanceof Date ? value.toISOString() : String(value);
    return encodeURIComponent(text).replace(
      /[*!'()~]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  });
}

/** The argument names a template refers to, in order. */
export function templateNames(template: string): string[] {
  return [...template.matchAll(TEMPLATE)].map((m) => m[1]!);
}
