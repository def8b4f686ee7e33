// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Bidirectional overrides and zero-width marks can make `evil.exe` display as `exe.live`.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const MAX_NAME = 200;

/**
 * A file name safe to store and show as plain text: the last path segment only, NFC, without control,
 * bidi-override or zero-width characters, without leading/trailing dots and spaces, at most 200
 * characters (keeping the extension). Never empty: `file` when nothing is left. HTML in a name stays
 * text; escaping is the renderer's job.
 *
 * @example
 * sanitizeFileName('../../etc/passwd') // 'passwd'
 * sanitizeFileName('C:\\Users\\me\\report.pdf') // 'report.pdf'
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = base
    .replace(CONTROLS, '')
    .replace(INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (!name.isWellFormed()) name = name.toWellFormed();
  if (name.length > MAX_NAME) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = [...name.slice(0, MAX_NAME - ext.length)].join('') + ext;
  }
  return name === '' ? 'file' : name;
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987), so
 * no character of a name can break out of the header.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A declared content type, if it is well formed; anything else is `application/octet-stream`. */
export function cleanContentType(raw: string | undefined): string {
  const type = (raw ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) && type.length <= 100
    ? type
    : 'application/octet-stream';
}
