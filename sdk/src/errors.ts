/**
 * The one error class of hearth. Every failure that crosses a boundary (RPC, CLI, archive reader)
 * is a HearthError with a stable `code`; the same code travels as a JSON-RPC application error
 * and is rebuilt into a HearthError by the client, so callers branch on `code`, never on text.
 */

/** Stable codes and their JSON-RPC application error numbers (-32000..-32099 is reserved for servers). */
export const ERROR_CODES = {
  INTERNAL: -32000,
  INVALID_PARAMS: -32602,
  METHOD_NOT_FOUND: -32601,
  ARCHIVE_NOT_HPK: -32010,
  ARCHIVE_TRUNCATED: -32011,
  ARCHIVE_DIGEST_MISMATCH: -32012,
  ARCHIVE_BAD_SIGNATURE: -32013,
  ARCHIVE_UNEXPECTED_MEMBER: -32014,
  ARCHIVE_MISSING_MEMBER: -32015,
  ARCHIVE_DUPLICATE_MEMBER: -32016,
  ARCHIVE_BAD_ORDER: -32017,
  ARCHIVE_UNSAFE_PATH: -32018,
  ARCHIVE_BAD_MEMBER_TYPE: -32019,
  ARCHIVE_OVERSIZE: -32020,
  MANIFEST_INVALID: -32030,
  PACK_FAILED: -32031,
  UNTRUSTED_SIGNER: -32032,
  SIGNER_CHANGED: -32033,
  PACKAGE_ID_MISMATCH: -32034,
  DEPENDENCY_MISSING: -32035,
  UPDATE_FAILED: -32036,
  PACKAGE_IN_USE: -32037,
  PACKAGE_NOT_INSTALLED: -32040,
  PACKAGE_ALREADY_INSTALLED: -32041,
  SERVICE_RUNNING: -32042,
  SERVICE_NOT_RUNNING: -32043,
  SERVICE_BUSY: -32044,
  /** A required setting or a user-supplied secret has no value, so the service cannot start. */
  CONFIG_INCOMPLETE: -32045,
  CONTAINER_FAILED: -32050,
  RUNTIME_UNREACHABLE: -32051,
  DAEMON_FAILED: -32052,
  ACTION_FAILED: -32054,
  TIMEOUT: -32053,
  HOST_UNREACHABLE: -32060,
  NETWORK_FAILED: -32070,
  /** `hearth kube export`: the package uses something Kubernetes cannot express; the message says what to change. */
  KUBE_EXPORT_UNSUPPORTED: -32075,
  /** No backup target of that name (`hearth backup target ls`). */
  BACKUP_TARGET_NOT_FOUND: -32080,
  /** The repository refused the target's password. */
  BACKUP_PASSWORD_WRONG: -32081,
  /** The repository is missing, unreadable or fails its checks. */
  BACKUP_REPOSITORY_DAMAGED: -32082,
  /** A backup did not complete (a hook failed, the engine failed): nothing was stored. */
  BACKUP_FAILED: -32083,
  /** No snapshot with that id (or none of that service) in the target. */
  SNAPSHOT_NOT_FOUND: -32084,
  /** A restore did not complete: the service's data is as it was before. */
  RESTORE_FAILED: -32085,
  /** `hearth-pack verify --rebuild`: the sources give other bytes than the published file. */
  REBUILD_DIFFERS: -32089,
  /** No registry of that name (`hearth registry ls`). */
  REGISTRY_NOT_FOUND: -32090,
  /** The registry's server did not answer, or answered with an error status. */
  REGISTRY_UNREACHABLE: -32091,
  /** The index is malformed, or its signature does not verify with the registry's key. */
  REGISTRY_BAD_SIGNATURE: -32092,
  /** The index is older than one this host has seen from the registry (a replay). */
  REGISTRY_ROLLBACK: -32093,
  /** The index is past its expiry: the registry (or a mirror) stopped refreshing it. */
  REGISTRY_EXPIRED: -32094,
  /** A downloaded package's size or sha256 differs from the signed index. */
  REGISTRY_HASH_MISMATCH: -32095,
  /** The package is signed by another publisher key than the index names for it. */
  REGISTRY_PUBLISHER_MISMATCH: -32096,
  /** No registry offers that package, or no version in the range. */
  REGISTRY_PACKAGE_NOT_FOUND: -32097,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface HearthErrorOptions {
  /** What the user can do about it, in one sentence. */
  hint?: string;
  /** Structured facts (paths, ids, values) for scripts and logs. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The `data` member of a JSON-RPC error produced by hearth. */
export interface HearthErrorData {
  code: ErrorCode;
  hint?: string;
  details?: Record<string, unknown>;
}

/**
 * The mark every HearthError carries, under a registry symbol: a package bundles its own copy of
 * the SDK, so an error it throws is another realm's class, which `instanceof` alone would not know.
 */
export const HEARTH_ERROR_BRAND = Symbol.for('hearth.error');

export class HearthError extends Error {
  override readonly name = 'HearthError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HearthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /**
   * `instanceof HearthError` is true for a HearthError of any copy of the SDK (by its brand and a
   * known code), so every `instanceof` check in hearth is cross-realm. There are no subclasses.
   */
  static override [Symbol.hasInstance](value: unknown): value is HearthError {
    return isHearthError(value);
  }

  /**
   * This realm's HearthError for any thrown value: one of ours as it is, another copy's rebuilt
   * from its checked fields (its methods are package code), anything else as `INTERNAL`.
   */
  static from(error: unknown): HearthError {
    if (!isHearthError(error)) return new HearthError('INTERNAL', errorMessage(error), { cause: error });
    if (Object.getPrototypeOf(error) === HearthError.prototype) return error;
    const { code, hint, details, message } = error as { code: ErrorCode; hint?: unknown; details?: unknown; message?: unknown };
    const options: HearthErrorOptions = { cause: error };
    if (typeof hint === 'string') options.hint = hint;
    if (typeof details === 'object' && details !== null && !Array.isArray(details)) options.details = { ...(details as Record<string, unknown>) };
    return new HearthError(code, typeof message === 'string' ? message : errorMessage(error), options);
  }

  get rpcCode(): number {
    return ERROR_CODES[this.code];
  }

  toData(): HearthErrorData {
    const data: HearthErrorData = { code: this.code };
    if (this.hint !== undefined) data.hint = this.hint;
    if (Object.keys(this.details).length > 0) data.details = this.details;
    return data;
  }

  /** Rebuild the error a server sent as a JSON-RPC error object. */
  static fromRpcError(error: { code: number; message: string; data?: unknown }): HearthError {
    const data = error.data;
    if (isErrorData(data)) {
      const options: HearthErrorOptions = {};
      if (data.hint !== undefined) options.hint = data.hint;
      if (data.details !== undefined) options.details = data.details;
      return new HearthError(data.code, error.message, options);
    }
    const byNumber = (Object.entries(ERROR_CODES) as [ErrorCode, number][]).find(([, n]) => n === error.code);
    return new HearthError(byNumber?.[0] ?? 'INTERNAL', error.message, { details: { rpcCode: error.code } });
  }
}

// On the prototype: every instance carries it without an own (enumerable) property.
Object.defineProperty(HearthError.prototype, HEARTH_ERROR_BRAND, { value: true });

function isErrorData(value: unknown): value is HearthErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const { code, hint, details } = value as { code?: unknown; hint?: unknown; details?: unknown };
  // The data comes from the other side of a connection: a code we know, and only the shapes we send.
  return (
    typeof code === 'string' &&
    Object.hasOwn(ERROR_CODES, code) &&
    (hint === undefined || typeof hint === 'string') &&
    (details === undefined || (typeof details === 'object' && details !== null && !Array.isArray(details)))
  );
}

/** A HearthError of any copy of the SDK (by brand, not `instanceof`), optionally with this code. */
export function isHearthError(value: unknown, code?: ErrorCode): value is HearthError {
  if (typeof value !== 'object' || value === null) return false;
  let branded: unknown;
  let actual: unknown;
  try {
    branded = (value as Record<symbol, unknown>)[HEARTH_ERROR_BRAND];
    actual = (value as { code?: unknown }).code;
  } catch {
    return false; // a proxy or getter that throws is not one of ours
  }
  return branded === true && typeof actual === 'string' && Object.hasOwn(ERROR_CODES, actual) && (code === undefined || actual === code);
}

/** A message for any thrown value, for logs. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return `a thrown ${typeof error} without a message`; // an object without a prototype, or whose toString throws
  }
}
