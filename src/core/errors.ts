/**
 * Coded errors: every failure a user can see has a stable string code. One table maps a code to an
 * HTTP status (used by http/) and to the CLI exit code (used by cli/), so no layer invents its own.
 */
export const ErrorCode = {
  Validation: 'E_VALIDATION',
  BadJson: 'E_BAD_JSON',
  PayloadTooLarge: 'E_PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'E_UNSUPPORTED_MEDIA_TYPE',
  Unauthenticated: 'E_UNAUTHENTICATED',
  PermissionDenied: 'E_PERMISSION_DENIED',
  CsrfFailed: 'E_CSRF',
  NotFound: 'E_NOT_FOUND',
  Conflict: 'E_CONFLICT',
  RateLimited: 'E_RATE_LIMITED',
  Config: 'E_CONFIG',
  Unavailable: 'E_UNAVAILABLE',
  Internal: 'E_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const httpStatusOf: Record<ErrorCode, number> = {
  E_VALIDATION: 400,
  E_BAD_JSON: 400,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_UNAUTHENTICATED: 401,
  E_PERMISSION_DENIED: 403,
  E_CSRF: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_RATE_LIMITED: 429,
  E_CONFIG: 500,
  E_UNAVAILABLE: 503,
  E_INTERNAL: 500,
};

/** CLI exit codes: 0 ok, 1 failure, 2 usage error, 3 permission denied. */
export function exitCodeOf(code: ErrorCode): number {
  if (code === ErrorCode.Validation || code === ErrorCode.BadJson) return 2;
  if (
    code === ErrorCode.PermissionDenied ||
    code === ErrorCode.Unauthenticated ||
    code === ErrorCode.CsrfFailed
  )
    return 3;
  return 1;
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends CodedError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super(ErrorCode.Validation, message, issues.length > 0 ? { issues } : undefined);
  }
}
export class NotFoundError extends CodedError {
  constructor(what: string, key: string) {
    super(ErrorCode.NotFound, `${what} '${key}' was not found`);
  }
}
export class ConflictError extends CodedError {
  constructor(message: string) {
    super(ErrorCode.Conflict, message);
  }
}
export class PermissionDeniedError extends CodedError {
  constructor(message = 'You do not have permission to do that') {
    super(ErrorCode.PermissionDenied, message);
  }
}
export class UnauthenticatedError extends CodedError {
  constructor(message = 'Authentication required: send a session cookie or `Authorization: Bearer <token>`') {
    super(ErrorCode.Unauthenticated, message);
  }
}
export class RateLimitedError extends CodedError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(ErrorCode.RateLimited, `Too many attempts; retry in ${retryAfterSeconds}s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isCodedError(error: unknown): error is CodedError {
  return error instanceof CodedError;
}

/** Wraps anything thrown into a CodedError, keeping the original as `cause`. */
export function asCodedError(error: unknown): CodedError {
  if (isCodedError(error)) return error;
  const wrapped = new CodedError(ErrorCode.Internal, 'Internal error');
  wrapped.cause = error;
  return wrapped;
}
