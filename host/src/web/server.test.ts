import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RpcDispatcher } from '@hearth/sdk/rpc';
import { createLogger } from '../log.js';
import { StaticAssets } from './assets.js';
import { TOKEN_HEADER, WebAuth } from './auth.js';
import { CONTENT_SECURITY_POLICY } from './headers.js';
import { FREE_FAILURES } from './login-limiter.js';
import { PasswordFile } from './password.js';
import { SetupCode } from './setup-code.js';
import { WebServer } from './server.js';
import { UploadStore } from '../store/uploads.js';
import { hpkHead } from '../store/test-hpk-head.js';

let dir: string;
let server: WebServer;
let origin: string;
let code: string;
let clock = 1_000_000;
let password: PasswordFile;
let uploads: UploadStore;
/** The largest upload the test server accepts. */
const MAX_UPLOAD_BYTES = 256 * 1024;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, not fetch: a test must be able to send any Host and Origin, as an attacker's client can. */
function request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; cookie?: string } = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { host: new URL(origin).host, origin, 'content-type': 'application/json', ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        // A stream never ends by itself: its first event is enough.
        if (res.headers['content-type']?.startsWith('text/event-stream') && Buffer.concat(chunks).includes('\n\n')) res.destroy();
      });
      const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookieOf = (reply: Reply): string => String((reply.headers['set-cookie'] as string[] | undefined)?.[0] ?? '').split(';')[0] ?? '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-web-'));
  const assetsDir = join(dir, 'dist');
  await mkdir(join(assetsDir, 'assets'), { recursive: true });
  await writeFile(join(assetsDir, 'index.html'), '<!doctype html><title>hearth</title>');
  await writeFile(join(assetsDir, 'assets', 'main-ABC.js'), 'console.log(1)');
  const dispatcher = new RpcDispatcher();
  dispatcher.addMethod('server.info', () => ({ version: 'test' }));
  dispatcher.addMethod('events.subscribe', (_params, caller) => {
    setImmediate(() => caller.notify('event', { type: 'package.installed', id: 'x', version: '1.0.0' }));
    return { subscribed: true };
  });
  password = new PasswordFile(join(dir, 'password.json'));
  const setup = new SetupCode(join(dir, 'setup-code'));
  code = await setup.ensure();
  const auth = new WebAuth(password, setup, false, () => clock);
  uploads = await UploadStore.open(join(dir, 'uploads'), MAX_UPLOAD_BYTES);
  server = await WebServer.listen({ host: '127.0.0.1', port: 0, dispatcher, uploads, auth, assets: await StaticAssets.load(assetsDir), hostNames: new Set(['box']), tls: null, logger: createLogger({ component: 'test' }) });
  origin = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

test('the page is served with a strict CSP, nosniff, no-cache; hashed assets are immutable and typed; any page path gets index.html', async () => {
  const index = await request('GET', '/');
  expect(index.status).toBe(200);
  expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
  expect(index.headers['x-content-type-options']).toBe('nosniff');
  expect(index.headers['cache-control']).toBe('no-cache');
  expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
  const js = await request('GET', '/assets/main-ABC.js');
  expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(js.headers['cache-control']).toContain('immutable');
  expect((await request('GET', '/services/notes')).body).toContain('<title>hearth</title>');
  expect((await request('GET', '/assets/missing.js')).status).toBe(404);
});

test('a Host that is not this machine (DNS rebinding) is refused', async () => {
  expect((await request('GET', '/', { headers: { host: 'evil.example' } })).status).toBe(421);
  expect((await request('GET', '/', { headers: { host: 'box:8380' } })).status).toBe(200);
});

test('without a session every API path answers 401', async () => {
  for (const path of ['/api/rpc', '/api/stream', '/api/channel', '/api/channel/subscribe', '/api/channel/unsubscribe', '/api/upload', '/api/auth/logout', '/api/anything', '/api/']) {
    for (const method of ['POST', 'GET']) {
      const reply = await request(method, path, { body: method === 'POST' ? { jsonrpc: '2.0', id: 1, method: 'server.info' } : undefined });
      expect(reply.status, `${method} ${path}`).toBe(401);
    }
  }
});

test('the first visit sets the password only with the setup code; it is stored as a salted scrypt hash, root only', async () => {
  expect(JSON.parse((await request('GET', '/api/auth/state')).body)).toMatchObject({ passwordSet: false });
  const wrong = await request('POST', '/api/auth/setup', { body: { setupCode: 'AAAA-AAAA-AAAA-AAAA', password: 'correct horse' } });
  expect(wrong.status).toBe(401);
  const short = await request('POST', '/api/auth/setup', { body: { setupCode: code, password: 'short' } });
  expect(short.status).toBe(400);
  const foreign = await request('POST', '/api/auth/setup', { body: { setupCode: code, password: 'correct horse' }, headers: { origin: 'http://evil.example' } });
  expect(foreign.status).toBe(403);
  const ok = await request('POST', '/api/auth/setup', { body: { setupCode: code.toLowerCase(), password: 'correct horse' } });
  expect(ok.status).toBe(200);
  expect(ok.headers['set-cookie']?.[0]).toMatch(/^hearth_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  const record = JSON.parse(await readFile(password.path, 'utf8')) as Record<string, unknown>;
  expect(record).toMatchObject({ algorithm: 'scrypt', N: 32768, r: 8, p: 1 });
  expect(Buffer.from(String(record.salt), 'base64')).toHaveLength(16);
  expect(JSON.stringify(record)).not.toContain('correct horse');
  expect((await stat(password.path)).mode & 0o777).toBe(0o600);
  // The code is spent: setting the password again is refused.
  expect((await request('POST', '/api/auth/setup', { body: { setupCode: code, password: 'another one' } })).status).toBe(409);
});

test('a session needs the cookie, the token header and the page Origin together; sign-out ends it', async () => {
  const login = await request('POST', '/api/auth/login', { body: { password: 'correct horse' } });
  expect(login.status).toBe(200);
  const cookie = cookieOf(login);
  const { token } = JSON.parse(login.body) as { token: string };
  const call = { jsonrpc: '2.0', id: 1, method: 'server.info', params: {} };
  // The cookie reaches every port of this host (a service's page too): alone it does nothing.
  expect((await request('POST', '/api/rpc', { body: call, cookie })).status).toBe(403);
  expect((await request('POST', '/api/rpc', { body: call, cookie, headers: { [TOKEN_HEADER]: `${token}x` } })).status).toBe(403);
  expect((await request('POST', '/api/rpc', { body: call, cookie, headers: { [TOKEN_HEADER]: token, origin: 'http://127.0.0.1:8400' } })).status).toBe(403);
  const ok = await request('POST', '/api/rpc', { body: call, cookie, headers: { [TOKEN_HEADER]: token } });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toMatchObject({ result: { version: 'test' } });
  const stream = await request('POST', '/api/stream', { body: { jsonrpc: '2.0', id: 2, method: 'events.subscribe', params: {} }, cookie, headers: { [TOKEN_HEADER]: token } });
  expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(stream.body).toMatch(/^event: result\ndata: \{"jsonrpc":"2.0","id":2,"result":\{"subscribed":true\}\}/);
  const out = await request('POST', '/api/auth/logout', { body: {}, cookie, headers: { [TOKEN_HEADER]: token } });
  expect(out.status).toBe(200);
  expect(out.headers['set-cookie']?.[0]).toContain('Max-Age=0');
  expect((await request('POST', '/api/rpc', { body: call, cookie, headers: { [TOKEN_HEADER]: token } })).status).toBe(401);
});

test('an upload is streamed to the upload store with a session; too large, not .hpk or without the token is refused in words and leaves nothing', async () => {
  const login = await request('POST', '/api/auth/login', { body: { password: 'correct horse' } });
  const cookie = cookieOf(login);
  const { token } = JSON.parse(login.body) as { token: string };
  const send = (body: Buffer, headers: Record<string, string> = {}): Promise<Reply> =>
    request('POST', '/api/upload', { body, cookie, headers: { [TOKEN_HEADER]: token, 'content-type': 'application/octet-stream', 'x-hearth-filename': 'app.hpk', ...headers } });
  const file = Buffer.concat([hpkHead(), Buffer.alloc(100_000, 1)]);

  expect((await request('POST', '/api/upload', { body: file, cookie })).status).toBe(403);
  const tooLarge = await send(Buffer.concat([hpkHead(), Buffer.alloc(MAX_UPLOAD_BYTES)]));
  expect(tooLarge.status).toBe(413);
  const refusal = JSON.parse(tooLarge.body) as { error: { message: string; data: { code: string } } };
  expect(refusal.error.message).toContain(`larger than ${MAX_UPLOAD_BYTES} bytes are refused`);
  expect(refusal.error.data.code).toBe('ARCHIVE_OVERSIZE');
  const named = await send(file, { 'x-hearth-filename': 'photo.jpg' });
  expect(named.status).toBe(415);
  expect(JSON.parse(named.body)).toMatchObject({ error: { message: 'photo.jpg is not an .hpk file' } });
  const notHpk = await send(Buffer.alloc(100_000, 0x41));
  expect(notHpk.status).toBe(415);
  expect(JSON.parse(notHpk.body)).toMatchObject({ error: { message: 'the upload is not an .hpk: it does not start with a ustar tar header' } });
  expect(await readdir(uploads.dir)).toEqual([]);

  const ok = await send(file);
  expect(ok.status).toBe(200);
  const upload = JSON.parse(ok.body) as { upload: string; bytes: number; path: string };
  expect(upload.upload).toMatch(/^[0-9a-f]{32}$/);
  expect(upload.bytes).toBe(file.length);
  expect(await readFile(uploads.pathOf(upload.upload))).toEqual(file);
  await uploads.remove(upload.upload);
  await request('POST', '/api/auth/logout', { body: {}, cookie, headers: { [TOKEN_HEADER]: token } });
});

test(`after ${FREE_FAILURES} wrong passwords an address waits, longer after each further failure, even for the right one`, async () => {
  for (let i = 0; i < FREE_FAILURES; i += 1) expect((await request('POST', '/api/auth/login', { body: { password: `guess ${i}` } })).status).toBe(401);
  const limited = await request('POST', '/api/auth/login', { body: { password: 'guess 6' } });
  expect(limited.status).toBe(401); // this one is checked, and sets the first wait
  const waiting = await request('POST', '/api/auth/login', { body: { password: 'correct horse' } });
  expect(waiting.status).toBe(429);
  expect(waiting.headers['retry-after']).toBe('1');
  clock += 1_001;
  expect((await request('POST', '/api/auth/login', { body: { password: 'wrong again' } })).status).toBe(401);
  expect((await request('POST', '/api/auth/login', { body: { password: 'correct horse' } })).headers['retry-after']).toBe('2');
  clock += 2_001;
  expect((await request('POST', '/api/auth/login', { body: { password: 'correct horse' } })).status).toBe(200);
});
