/** The notes web app: a page, a JSON API, and a health check that asks the database. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from './db.js';

const PORT = 8080;
const MAX_BODY = 64 * 1024;
/** From the service's settings (`hearth config set notes title=…`): changing them restarts this daemon only. */
const TITLE = process.env['NOTES_TITLE'] ?? 'Notes';
const PAGE_SIZE = Number(process.env['NOTES_PAGE_SIZE'] ?? '50');

const db = connect();

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString();
    if (body.length > MAX_BODY) throw new Error('body too large');
  }
  return body;
}

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://notes');
  if (url.pathname === '/healthz') {
    await db.query('SELECT 1');
    send(res, 200, 'ok\n', 'text/plain');
  } else if (url.pathname === '/notes' && req.method === 'GET') {
    const { rows } = await db.query('SELECT * FROM notes ORDER BY id');
    send(res, 200, JSON.stringify(rows));
  } else if (url.pathname === '/notes' && req.method === 'POST') {
    const raw = await readBody(req);
    const text = req.headers['content-type']?.includes('json') ? (JSON.parse(raw) as { body?: unknown }).body : new URLSearchParams(raw).get('body');
    if (typeof text !== 'string' || text.trim() === '') return send(res, 400, JSON.stringify({ error: 'a note needs a non-empty body' }));
    const { rows } = await db.query<{ id: number }>('INSERT INTO notes (body) VALUES ($1) RETURNING *', [text]);
    console.log(`note ${String(rows[0]?.id)} added (${text.length} characters)`);
    if (req.headers['content-type']?.includes('json')) send(res, 201, JSON.stringify(rows[0]));
    else {
      res.writeHead(303, { location: '/' });
      res.end();
    }
  } else if (url.pathname === '/') {
    const { rows } = await db.query<{ body: string }>('SELECT body FROM (SELECT id, body FROM notes ORDER BY id DESC LIMIT $1) newest ORDER BY id', [PAGE_SIZE]);
    send(
      res,
      200,
      `<!doctype html><title>${escape(TITLE)}</title><h1>${escape(TITLE)}</h1><form method="post" action="/notes"><input name="body"><button>Add</button></form><ul>${rows.map((r) => `<li>${escape(r.body)}</li>`).join('')}</ul>`,
      'text/html',
    );
  } else send(res, 404, JSON.stringify({ error: 'not found' }));
}

async function main(): Promise<void> {
  await db.connect();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, JSON.stringify({ error: error instanceof Error ? error.message : String(error) })));
  });
  server.listen(PORT, () => console.log(`notes listening on ${PORT}`));
  const stop = (): void => {
    console.log('stopping');
    server.close();
    void db.end().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`notes failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
