import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HearthError, errorMessage, type HostMethodsForRuntime } from '@hearth/sdk/contract';
import { createRpcPeer, type Handler, type RpcPeer } from '@hearth/sdk/rpc';
import type { Logger } from '@hearth/sdk/system';

export const RECONNECT_INTERVAL_MS = 200;
/** A hello unanswered this long means a listener that is not serving us: drop it and connect again. */
export const HELLO_TIMEOUT_MS = 10_000;
/** Notifications kept while hearthd is away (log lines, states), oldest dropped first. */
export const MAX_BUFFERED_NOTIFICATIONS = 5_000;

/**
 * The runtime's link to hearthd. If hearthd goes away (restart, crash) the daemons keep running
 * and this reconnects to the same socket path until hearthd is back and adopts the container;
 * notifications sent meanwhile are buffered (bounded) and delivered after the new hello.
 */
export class HostConnection {
  private peer: RpcPeer | null = null;
  private readonly buffered: { method: string; params: object }[] = [];
  private dropped = 0;
  private closing = false;

  constructor(
    private readonly socketPath: string,
    private readonly methods: Record<string, Handler>,
    private readonly hello: HostMethodsForRuntime['runtime.hello']['params'],
    private readonly logger: Logger,
  ) {}

  notify(method: string, params: object): void {
    if (this.peer) {
      this.peer.notify(method, params);
      return;
    }
    this.buffered.push({ method, params });
    if (this.buffered.length > MAX_BUFFERED_NOTIFICATIONS) {
      this.buffered.shift();
      this.dropped += 1;
    }
  }

  private async open(): Promise<Socket> {
    for (;;) {
      try {
        return await new Promise<Socket>((resolve, reject) => {
          const socket = connect(this.socketPath);
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        });
      } catch {
        if (this.closing) throw new HearthError('RUNTIME_UNREACHABLE', 'the runtime is shutting down: it no longer connects to hearthd', { hint: 'nothing to do: the container is stopping' });
        await sleep(RECONNECT_INTERVAL_MS);
      }
    }
  }

  /** Connect (retrying until hearthd listens and answers), say hello, flush what was buffered. */
  async connect(): Promise<string> {
    for (;;) {
      const peer = createRpcPeer(await this.open());
      for (const [name, handler] of Object.entries(this.methods)) peer.addMethod(name, handler);
      try {
        const { serviceId } = await peer.request<HostMethodsForRuntime['runtime.hello']['result']>('runtime.hello', this.hello, HELLO_TIMEOUT_MS);
        this.attach(peer);
        return serviceId;
      } catch (error) {
        peer.close();
        if (this.closing) throw error;
        this.logger.warn('hearthd did not answer hello; connecting again', { error: errorMessage(error) });
        await sleep(RECONNECT_INTERVAL_MS);
      }
    }
  }

  private attach(peer: RpcPeer): void {
    this.peer = peer;
    if (this.dropped > 0) this.logger.warn('notifications dropped while hearthd was away', { count: this.dropped });
    this.dropped = 0;
    for (const { method, params } of this.buffered.splice(0)) peer.notify(method, params);
    void peer.closed.then(() => this.lost());
  }

  private lost(): void {
    this.peer = null;
    if (this.closing) return;
    this.logger.warn('lost hearthd; daemons keep running; reconnecting');
    this.connect().then(
      (serviceId) => this.logger.info('reconnected to hearthd', { service: serviceId }),
      (error: unknown) => {
        if (!this.closing) this.logger.error('reconnecting failed', { error: errorMessage(error) });
      },
    );
  }

  close(): void {
    this.closing = true;
    this.peer?.close();
  }
}
