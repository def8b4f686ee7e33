import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { CodedError, ErrorCode, httpStatusOf, RateLimitedError } from '../core/errors.js';
import { describeIssues } from '../core/validation.js';

export interface ErrorBody {
  error: { code: string; message: string; issues?: unknown; errorId?: string; [key: string]: unknown };
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.PayloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UnsupportedMediaType,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.BadJson,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.BadJson,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.Validation,
  FST_ERR_VALIDATION: ErrorCode.Validation,
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.Validation,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.PermissionDenied,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
};

/** The single translation from anything thrown to an HTTP answer with a stable code. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof CodedError && httpStatusOf[error.code] < 500) {
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    return reply
      .code(httpStatusOf[error.code])
      .send({ error: { code: error.code, message: error.message, ...(error.details ?? {}) } });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
      message: v.message ?? 'invalid',
    }));
    return reply
      .code(400)
      .send({ error: { code: ErrorCode.Validation, message: describeIssues(issues), issues } });
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode ?? 500;
  if (!isResponseSerializationError(error) && status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError.code ?? ''] ?? BY_STATUS[status] ?? ErrorCode.Validation;
    return reply.code(status).send({ error: { code, message: fastifyError.message ?? 'Bad request' } });
  }
  // Everything else is our fault: log it under an id the caller can quote.
  const errorId = String(request.id);
  request.log.error({ err: error, errorId }, 'request failed');
  const code = error instanceof CodedError ? error.code : ErrorCode.Internal;
  const message = code === ErrorCode.Unavailable && error instanceof Error ? error.message : 'Internal error';
  return reply
    .code(error instanceof CodedError ? httpStatusOf[error.code] : 500)
    .send({ error: { code, message, errorId } });
}
