import { EventEmitter } from 'node:events';
import type { HostEvent, LogEntry } from '@hearth/sdk/contract';

/**
 * What happens to services, typed: a service's status changed (waiters re-check), a daemon wrote a
 * line (followers), and the events `events.subscribe` delivers. One per manager, no globals.
 */
export class ServiceEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0); // one per waiter or follower, all removed when they finish
  }

  /** The status of `id` changed. */
  changed(id: string): void {
    this.emitter.emit(`change:${id}`);
  }

  /** Listen for changes of `id` (the shape waitReady uses). */
  on(id: string, listener: () => void): void {
    this.emitter.on(`change:${id}`, listener);
  }

  off(id: string, listener: () => void): void {
    this.emitter.off(`change:${id}`, listener);
  }

  log(id: string, entry: LogEntry): void {
    this.emitter.emit(`log:${id}`, entry);
  }

  /** Every new log entry of `id`; returns the unsubscribe function. */
  onLog(id: string, listener: (entry: LogEntry) => void): () => void {
    this.emitter.on(`log:${id}`, listener);
    return () => this.emitter.off(`log:${id}`, listener);
  }

  emit(event: HostEvent): void {
    this.emitter.emit('event', event);
  }

  /** Every HostEvent; returns the unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
