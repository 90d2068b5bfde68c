import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoginLimiter } from './login-limiter.js';
import { PasswordFile, hashPassword, passwordProblem, verifyPassword } from './password.js';
import { SESSION_IDLE_MS, SessionStore, tokenMatches, type Session } from './sessions.js';
import { SetupCode, normalizeCode } from './setup-code.js';
import { clientKey, sameOrigin } from './headers.js';

/** A sign-in body is a password and maybe a code: anything larger is refused unread. */
const MAX_AUTH_BODY_BYTES = 16 * 1024;
export const TOKEN_HEADER = 'x-hearth-token';
/** Sign-ins checked at once: each scrypt takes 32 MiB, so a burst cannot take hearthd's memory. */
export const MAX_CONCURRENT_ATTEMPTS = 2;

export type AuthFailure = { status: 401 | 403; message: string };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

const sendError = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void =>
  sendJson(res, status, { error: { message } }, headers);

async function readSmallJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_AUTH_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The dashboard's password, its setup code, the sessions and the sign-in limiter. */
export class WebAuth {
  readonly sessions: SessionStore;
  private readonly limiter: LoginLimiter;
  readonly cookieName: string;
  private attempts = 0;

  constructor(
    private readonly password: PasswordFile,
    private readonly setupCode: SetupCode,
    private readonly tls: boolean,
    now: () => number = Date.now,
  ) {
    this.sessions = new SessionStore(now);
    this.limiter = new LoginLimiter(now);
    // __Host- needs Secure, which needs TLS: the browser then refuses the cookie from anyone but this origin's scheme.
    this.cookieName = tls ? '__Host-hearth_session' : 'hearth_session';
  }

  /** The session this request's cookie names, or null. */
  sessionOf(req: IncomingMessage): { id: string; session: Session } | null {
    const id = cookieValue(req.headers.cookie, this.cookieName);
    const session = this.sessions.get(id);
    return id !== undefined && session !== null ? { id, session } : null;
  }

  /** For an API call: 401 without a session, 403 without the dashboard's own Origin and token. */
  check(req: IncomingMessage): AuthFailure | { id: string; session: Session } {
    const found = this.sessionOf(req);
    if (found === null) return { status: 401, message: 'sign in first' };
    if (!sameOrigin(req, this.tls)) return { status: 403, message: 'the request does not come from the dashboard page (Origin)' };
    const presented = req.headers[TOKEN_HEADER];
    if (typeof presented !== 'string' || !tokenMatches(found.session, presented)) return { status: 403, message: `the ${TOKEN_HEADER} header is missing or wrong` };
    return found;
  }

  async state(res: ServerResponse): Promise<void> {
    const passwordSet = (await this.password.read()) !== null;
    // Where to read the code: the path only, which tells nothing that signs anyone in.
    sendJson(res, 200, passwordSet ? { passwordSet } : { passwordSet, setupCodeFile: this.setupCode.path });
  }

  async setup(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.attempt(req, res, async (body) => {
      if ((await this.password.read()) !== null) return { status: 409, message: 'a password is already set: sign in with it' };
      const expected = await this.setupCode.read();
      const code = typeof body.setupCode === 'string' ? body.setupCode : '';
      if (expected === null || !sameSecret(normalizeCode(code), normalizeCode(expected))) return { status: 401, message: 'the setup code is wrong' };
      const password = typeof body.password === 'string' ? body.password : '';
      const problem = passwordProblem(password);
      if (problem !== null) return { status: 400, message: problem, counts: false };
      await this.password.write(await hashPassword(password));
      await this.setupCode.remove();
      this.sessions.clear();
      return null;
    });
  }

  async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.attempt(req, res, async (body) => {
      const record = await this.password.read();
      if (record === null) return { status: 409, message: 'no password is set yet: set one with the setup code' };
      const password = typeof body.password === 'string' ? body.password : '';
      return (await verifyPassword(record, password)) ? null : { status: 401, message: 'wrong password' };
    });
  }

  logout(req: IncomingMessage, res: ServerResponse): void {
    const checked = this.check(req);
    if ('status' in checked) return sendError(res, checked.status, checked.message);
    this.sessions.destroy(checked.id);
    sendJson(res, 200, { signedOut: true }, { 'set-cookie': this.cookie('', 0) });
  }

  /** Rate limit, Origin, body, then `decide`: null signs in, a failure answers (and counts, unless it says not). */
  private async attempt(
    req: IncomingMessage,
    res: ServerResponse,
    decide: (body: Record<string, unknown>) => Promise<{ status: number; message: string; counts?: boolean } | null>,
  ): Promise<void> {
    const client = clientKey(req.socket.remoteAddress);
    const wait = this.limiter.waitMs(client);
    if (wait > 0) {
      req.resume();
      return sendError(res, 429, `too many failed attempts: try again in ${Math.ceil(wait / 1000)} s`, { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
    if (!sameOrigin(req, this.tls)) {
      req.resume();
      return sendError(res, 403, 'sign in from the dashboard page (Origin)');
    }
    const body = await readSmallJson(req);
    if (body === null) return sendError(res, 400, `expected a JSON object of at most ${MAX_AUTH_BODY_BYTES} bytes`);
    if (this.attempts >= MAX_CONCURRENT_ATTEMPTS) return sendError(res, 429, 'other sign-ins are being checked: try again in a second', { 'retry-after': '1' });
    this.attempts += 1;
    let failure;
    try {
      failure = await decide(body);
    } finally {
      this.attempts -= 1;
    }
    if (failure !== null) {
      if (failure.counts !== false) this.limiter.failed(client);
      return sendError(res, failure.status, failure.message);
    }
    this.limiter.succeeded(client);
    const { id, session } = this.sessions.create();
    sendJson(res, 200, { token: session.token }, { 'set-cookie': this.cookie(id, SESSION_IDLE_MS / 1000) });
  }

  private cookie(value: string, maxAgeSeconds: number): string {
    return [`${this.cookieName}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(this.tls ? ['Secure'] : [])].join('; ');
  }
}

function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
