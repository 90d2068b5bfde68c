import type { IncomingMessage, ServerResponse } from 'node:http';
import { isHearthError } from '@hearth/sdk/contract';
import { MAX_WAITING_UPLOADS, UPLOAD_TTL_MS, type UploadStore } from '../store/uploads.js';
import { reply } from './http-server.js';

/** An upload that sends nothing for this long is dropped: a stalled browser holds no slot for ever. */
export const UPLOAD_IDLE_MS = 60_000;
export const FILENAME_HEADER = 'x-hearth-filename';

const STATUS_OF: Partial<Record<string, number>> = { ARCHIVE_OVERSIZE: 413, ARCHIVE_NOT_HPK: 415, ARCHIVE_TRUNCATED: 400 };

/**
 * `POST /api/upload` (dashboard) and `POST /upload` (`--listen-tcp`): the request body is an .hpk, streamed to the upload store (never held whole
 * in memory). Answers `{upload, bytes, path}` for `package.install {upload}`; a file too large
 * (by its Content-Length, before anything is read, or as it arrives), not named `.hpk`, or whose
 * first bytes are not an .hpk is refused with the reason, and nothing of it is kept.
 */
export async function serveUpload(req: IncomingMessage, res: ServerResponse, uploads: UploadStore): Promise<void> {
  const refuse = (status: number, message: string, hint: string, code?: string): void => {
    // The rest of the body is not read: the connection closes after the answer.
    res.setHeader('connection', 'close');
    reply(res, status, { error: { message, data: { ...(code && { code }), hint } } }, { 'cache-control': 'no-store' });
    req.destroy();
  };
  const name = req.headers[FILENAME_HEADER];
  if (typeof name === 'string' && !decodeURIComponent(name).toLowerCase().endsWith('.hpk')) {
    return refuse(415, `${decodeURIComponent(name).slice(0, 200)} is not an .hpk file`, 'choose a package file made by hearth-pack (NAME.hpk)', 'ARCHIVE_NOT_HPK');
  }
  const length = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
  if (length !== null && (!Number.isSafeInteger(length) || length < 0)) return refuse(400, 'the Content-Length is not a byte count', 'send the file as the request body');
  if (length !== null && length > uploads.maxBytes) {
    return refuse(413, `the file is ${length} bytes; packages larger than ${uploads.maxBytes} bytes are refused`, 'if this package is genuine, start hearthd with a larger --max-package-bytes', 'ARCHIVE_OVERSIZE');
  }
  if (!(await uploads.hasRoom())) {
    return refuse(429, `${MAX_WAITING_UPLOADS} uploads are already waiting to be installed`, `install or wait for them: an upload is deleted ${UPLOAD_TTL_MS / 60_000} minutes after it arrived`);
  }
  req.setTimeout(UPLOAD_IDLE_MS, () => req.destroy());
  try {
    const upload = await uploads.receive(req, length);
    reply(res, 200, upload, { 'cache-control': 'no-store' });
  } catch (error) {
    if (!isHearthError(error)) {
      // The browser went away (or stalled): nobody is left to answer.
      if (req.destroyed || res.destroyed) return;
      throw error;
    }
    refuse(STATUS_OF[error.code] ?? 400, error.message, error.hint ?? '', error.code);
  }
}
