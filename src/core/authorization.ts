/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
export function bearerOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}
