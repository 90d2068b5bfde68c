import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { open, rm, stat } from 'node:fs/promises';
import { HearthError } from '@hearth/sdk/contract';

/** A registry that sends nothing for this long is given up on (per request, not per download). */
export const REGISTRY_IDLE_TIMEOUT_MS = 30_000;
/** Attempts of one download; each after the first resumes where the last one stopped (Range). */
export const DOWNLOAD_ATTEMPTS = 3;

function unreachable(url: string, reason: string, cause?: unknown): HearthError {
  return new HearthError('REGISTRY_UNREACHABLE', `the registry at ${new URL(url).origin} cannot be reached: ${reason}`, {
    hint: 'check the registry URL (`hearth registry ls`) and that its server is up; nothing was changed',
    details: { url },
    cause,
  });
}

/** GET `url`; resolves with the response once headers arrive (status checked by the caller). */
function get(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const request = (parsed.protocol === 'https:' ? httpsRequest : httpRequest)(parsed, { method: 'GET', headers }, resolve);
    request.setTimeout(REGISTRY_IDLE_TIMEOUT_MS, () => request.destroy(new Error(`no answer in ${REGISTRY_IDLE_TIMEOUT_MS / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => reject(unreachable(url, error.code ?? error.message, error)));
    request.end();
  });
}

/** The whole body of `url`, at most `maxBytes` (more is refused unread). */
export async function fetchBytes(url: string, maxBytes: number): Promise<Buffer> {
  const response = await get(url);
  if (response.statusCode !== 200) {
    response.resume();
    throw unreachable(url, `HTTP ${response.statusCode ?? '?'} for ${new URL(url).pathname}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.destroy();
        throw new HearthError('REGISTRY_BAD_SIGNATURE', `${url} is larger than ${maxBytes} bytes`, { hint: 'the registry serves something that is not an index' });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw unreachable(url, `the connection broke after ${size} bytes`, error);
  }
  return Buffer.concat(chunks);
}

/**
 * Download `url` to `partial`, resuming what an earlier attempt left there with a Range request,
 * never past `size` bytes. Retries a broken connection up to DOWNLOAD_ATTEMPTS times; what is left
 * after the last failure stays for the next install to resume.
 */
export async function downloadResumable(url: string, partial: string, size: number, onProgress: (bytes: number) => void): Promise<void> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < DOWNLOAD_ATTEMPTS; attempt += 1) {
    const have = await stat(partial).then((s) => s.size, () => 0);
    if (have > size) await rm(partial, { force: true });
    else if (have === size) return;
    const from = have > size ? 0 : have;
    try {
      await downloadFrom(url, partial, from, size, onProgress);
      return;
    } catch (error) {
      if (!(error instanceof HearthError) || error.code !== 'REGISTRY_UNREACHABLE') throw error;
      lastError = error;
    }
  }
  throw lastError as Error;
}

async function downloadFrom(url: string, partial: string, from: number, size: number, onProgress: (bytes: number) => void): Promise<void> {
  const response = await get(url, from > 0 ? { range: `bytes=${from}-` } : {});
  const resumed = from > 0 && response.statusCode === 206;
  if (response.statusCode !== 200 && !resumed) {
    response.resume();
    throw unreachable(url, `HTTP ${response.statusCode ?? '?'} for ${new URL(url).pathname}`);
  }
  // A server that ignores Range sends it all again: start over rather than append a second copy.
  const file = await open(partial, resumed ? 'a' : 'w', 0o600);
  let written = resumed ? from : 0;
  try {
    for await (const chunk of response) {
      const data = chunk as Buffer;
      if (written + data.length > size) {
        response.destroy();
        throw new HearthError('REGISTRY_HASH_MISMATCH', `${url} is larger than the ${size} bytes the index says`, { hint: 'the registry or a mirror serves another file than its index names; nothing was installed' });
      }
      await file.write(data);
      written += data.length;
      onProgress(written);
    }
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw unreachable(url, `the download broke at ${written} of ${size} bytes`, error);
  } finally {
    await file.close();
  }
  if (written < size) throw unreachable(url, `the download ended at ${written} of ${size} bytes`);
}
