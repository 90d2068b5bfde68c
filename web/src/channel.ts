/** What one subscription on the channel hears. */
export interface Subscriber {
  result: (reply: { result?: unknown; error?: unknown }) => void;
  notification: (method: string, params: unknown) => void;
  /** The channel broke (hearthd restarted) or the method ended: the subscriber reconnects. */
  end: (error?: Error) => void;
}

interface Open {
  id: string;
  subs: Map<string, Subscriber>;
}

/**
 * The page's one live connection (POST /api/channel): every live view (events, followed logs)
 * is a subscription added to it by id, so a page holds one of the browser's six connections per
 * host however many views it shows. Opened on the first subscription; a break ends every
 * subscription, and the next one opens a new channel.
 */
export class LiveChannel {
  private current: Promise<Open> | null = null;
  private next = 0;
  private generation = 0;

  constructor(
    private readonly post: (path: string, body: unknown) => Promise<unknown>,
    private readonly openStream: (signal: AbortSignal) => Promise<ReadableStream>,
  ) {}

  /** Run `request` on the channel; returns its unsubscribe. Throws if the channel or the subscription is refused. */
  async subscribe(request: unknown, subscriber: Subscriber): Promise<() => void> {
    const channel = await this.channel();
    const sub = `s${++this.next}`;
    channel.subs.set(sub, subscriber);
    try {
      await this.post('/api/channel/subscribe', { channel: channel.id, sub, request });
    } catch (error) {
      channel.subs.delete(sub);
      throw error;
    }
    return () => {
      if (!channel.subs.delete(sub)) return;
      void this.post('/api/channel/unsubscribe', { channel: channel.id, sub }).catch(() => undefined);
    };
  }

  private channel(): Promise<Open> {
    this.current ??= this.connect().catch((error: unknown) => {
      this.current = null;
      throw error;
    });
    return this.current;
  }

  private async connect(): Promise<Open> {
    const generation = ++this.generation;
    const body = await this.openStream(new AbortController().signal);
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const subs = new Map<string, Subscriber>();
    let buffer = '';
    let opened!: (open: Open) => void;
    let failed!: (error: Error) => void;
    const ready = new Promise<Open>((resolve, reject) => ((opened = resolve), (failed = reject)));
    const pump = async (): Promise<void> => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (frame === null) continue;
          const data = frame.data as { channel?: string; sub?: string; response?: { result?: unknown; error?: unknown }; method?: string; params?: unknown };
          if (frame.event === 'open' && typeof data.channel === 'string') opened({ id: data.channel, subs });
          const subscriber = data.sub === undefined ? undefined : subs.get(data.sub);
          if (subscriber === undefined) continue;
          if (frame.event === 'result' && data.response) {
            subscriber.result(data.response);
            if ('error' in data.response) subs.delete(data.sub ?? '');
          } else if (frame.event === 'notification') subscriber.notification(data.method ?? '', data.params);
        }
      }
    };
    const broke = (error?: Error): void => {
      if (this.generation === generation) this.current = null;
      failed(error ?? new Error('the live connection closed before it opened'));
      const ended = [...subs.values()];
      subs.clear();
      for (const s of ended) s.end(error ?? new Error('the live connection to hearthd closed'));
    };
    pump().then(
      () => broke(),
      (error: unknown) => broke(error instanceof Error ? error : new Error(String(error))),
    );
    return await ready;
  }
}

export function parseFrame(text: string): { event: string; data: unknown } | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return null;
  return { event, data: JSON.parse(data.join('\n')) as unknown };
}
