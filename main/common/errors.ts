/**
 * User-facing errors, shared by every layer (the store, the drill engine, the
 * services and the hosts): one code the UI can act on and one plain sentence.
 * Lives in common/ so no layer has to import the API to throw one.
 */
export type ErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'internal';

/**
 * An error meant for the user: a code the UI can act on and one plain
 * sentence. Anything else that escapes the core is reported as `internal`
 * without its stack.
 */
export class UserError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export const notFound = (message: string) => new UserError('not_found', message);
export const conflict = (message: string) => new UserError('conflict', message);
export const badRequest = (message: string) => new UserError('bad_request', message);
