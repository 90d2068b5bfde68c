import { LiveChannel } from './channel.js';
import type { HostMethodName, HostMethods, HostNotifications } from '@hearth/sdk/contract';

/** Kept in localStorage: only this origin (scheme, host and port) reads it, unlike the cookie, which every port of the host receives. */
const TOKEN_KEY = 'hearth.token';
export const TOKEN_HEADER = 'x-hearth-token';

/** An error in words, as hearthd gave it (JSON-RPC error data carries the hint). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint?: string,
    readonly code?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

type Listener = () => void;

/** What POST /api/upload answers: the id `package.install {upload}` takes, and the path its progress events name. */
export interface Upload {
  upload: string;
  bytes: number;
  path: string;
}

/** The page's link to hearthd: the token, and who to tell when the session ends. */
export class Api {
  private readonly signedOutListeners = new Set<Listener>();
  private readonly live = new LiveChannel(
    (path, body) => this.post(path, body),
    async (signal) => {
      const response = await fetch('/api/channel', { method: 'POST', headers: this.headers(), signal });
      if (!response.ok || !response.body) throw await this.failure(response);
      return response.body;
    },
  );

  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  }

  onSignedOut(listener: Listener): () => void {
    this.signedOutListeners.add(listener);
    return () => this.signedOutListeners.delete(listener);
  }

  private signedOut(): void {
    localStorage.removeItem(TOKEN_KEY);
    for (const listener of this.signedOutListeners) listener();
  }

  async authState(): Promise<{ passwordSet: boolean; setupCodeFile?: string }> {
    return (await this.post('/api/auth/state', undefined, 'GET')) as { passwordSet: boolean; setupCodeFile?: string };
  }

  async signIn(password: string): Promise<void> {
    const { token } = (await this.post('/api/auth/login', { password })) as { token: string };
    localStorage.setItem(TOKEN_KEY, token);
  }

  async setup(setupCode: string, password: string): Promise<void> {
    const { token } = (await this.post('/api/auth/setup', { setupCode, password })) as { token: string };
    localStorage.setItem(TOKEN_KEY, token);
  }

  async signOut(): Promise<void> {
    try {
      await this.post('/api/auth/logout', {});
    } finally {
      this.signedOut();
    }
  }

  /** One control API call: the same method and params as `hearth` sends over the socket. */
  async call<M extends HostMethodName>(method: M, params: HostMethods[M]['params']): Promise<HostMethods[M]['result']> {
    const reply = (await this.post('/api/rpc', { jsonrpc: '2.0', id: 1, method, params })) as RpcReply;
    if (reply.error) throw rpcError(reply.error);
    return reply.result as HostMethods[M]['result'];
  }

  /**
   * A call whose notifications follow (events.subscribe, service.logs with follow), as one
   * subscription on the page's single live channel. Resolves with the result; notifications go to
   * `onNotification` until `signal` aborts (the subscription is dropped) or the channel breaks
   * (then `onEnd`, with the error).
   */
  async stream<M extends HostMethodName>(
    method: M,
    params: HostMethods[M]['params'],
    onNotification: <N extends keyof HostNotifications>(name: N, params: HostNotifications[N]) => void,
    signal: AbortSignal,
    onEnd: (error?: Error) => void,
  ): Promise<HostMethods[M]['result']> {
    signal.throwIfAborted();
    let resolveResult!: (value: HostMethods[M]['result']) => void;
    let rejectResult!: (error: Error) => void;
    const result = new Promise<HostMethods[M]['result']>((resolve, reject) => ((resolveResult = resolve), (rejectResult = reject)));
    const unsubscribe = await this.live.subscribe(
      { jsonrpc: '2.0', id: 1, method, params },
      {
        result: (reply) => {
          const r = reply as RpcReply;
          if (r.error) rejectResult(rpcError(r.error));
          else resolveResult(r.result as HostMethods[M]['result']);
        },
        notification: (name, note) => onNotification(name as keyof HostNotifications, note as never),
        end: (error) => {
          if (signal.aborted) return;
          rejectResult(error ?? new ApiError('the stream ended before its result', 0));
          onEnd(error);
        },
      },
    );
    if (signal.aborted) unsubscribe();
    else signal.addEventListener('abort', unsubscribe, { once: true });
    return await result;
  }

  /**
   * Send a package file to POST /api/upload, for `package.install {upload}`. XMLHttpRequest, not
   * fetch: only it reports upload progress. The body is the File itself, streamed by the browser.
   */
  upload(file: File, onProgress: (sent: number, total: number) => void, signal: AbortSignal): Promise<Upload> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/upload');
      for (const [name, value] of Object.entries({ ...this.headers(), 'content-type': 'application/octet-stream', 'x-hearth-filename': encodeURIComponent(file.name) })) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
      xhr.onload = () => {
        let body: { error?: { message?: string; data?: { hint?: string; code?: string } } } & Partial<Upload> = {};
        try {
          body = JSON.parse(xhr.responseText) as typeof body;
        } catch {
          // not JSON: the status says it
        }
        if (xhr.status === 200 && typeof body.upload === 'string') return resolve(body as Upload);
        if (xhr.status === 401) this.signedOut();
        reject(new ApiError(body.error?.message ?? `hearthd answered ${xhr.status}`, xhr.status, body.error?.data?.hint, body.error?.data?.code));
      };
      xhr.onerror = () => reject(new ApiError('the upload failed: the connection to hearthd broke', 0, 'check that hearthd runs, and try again'));
      xhr.onabort = () => reject(new ApiError('the upload was cancelled', 0));
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file);
    });
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = this.token;
    if (token) headers[TOKEN_HEADER] = token;
    return headers;
  }

  private async post(path: string, body: unknown, method = 'POST'): Promise<unknown> {
    const response = await fetch(path, { method, headers: this.headers(), body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw await this.failure(response);
    return await response.json();
  }

  private async failure(response: Response): Promise<ApiError> {
    let message = `hearthd answered ${response.status} ${response.statusText}`;
    let hint: string | undefined;
    let code: string | undefined;
    try {
      const body = (await response.json()) as { error?: { message?: string; data?: { hint?: string; code?: string } } };
      if (body.error?.message) message = body.error.message;
      hint = body.error?.data?.hint;
      code = body.error?.data?.code;
    } catch {
      // not JSON: keep the status line
    }
    if (response.status === 401) this.signedOut();
    return new ApiError(message, response.status, hint, code);
  }
}

interface RpcReply {
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string; hint?: string; details?: Record<string, unknown> } };
}

function rpcError(error: NonNullable<RpcReply['error']>): ApiError {
  return new ApiError(error.message, 200, error.data?.hint, error.data?.code, error.data?.details);
}
