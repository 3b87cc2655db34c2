// Where events go: a bounded history for `tsvisor events`, and live subscribers (events -f, hooks,
// event listeners). emit() never waits for anyone: a subscriber that throws is dropped, and one that
// is slow must buffer (with a bound) on its own side — supervision is never held up by monitoring.
import type { TsvisorEvent } from "./event.ts";

/** Events kept for `tsvisor events` without -f. */
export const HISTORY_SIZE = 1000;

export type EventSubscriber = (event: TsvisorEvent) => void;

export class EventBus {
  private readonly history: TsvisorEvent[] = [];
  private readonly subscribers = new Set<EventSubscriber>();

  constructor(private readonly historySize = HISTORY_SIZE, private readonly onSubscriberError: (error: unknown) => void = () => {}) {}

  /** Record the event and hand it to every subscriber, in subscription order. */
  emit(event: TsvisorEvent): void {
    // output lines and ticks (one every 5 s) would push every state change out of the history: they are only streamed
    if (!event.type.startsWith("PROCESS_LOG_") && !event.type.startsWith("TICK_")) {
      this.history.push(event);
      if (this.history.length > this.historySize) this.history.shift();
    }
    for (const subscriber of [...this.subscribers]) {
      try {
        subscriber(event);
      } catch (error) {
        this.subscribers.delete(subscriber);
        this.onSubscriberError(error);
      }
    }
  }

  /** The last events, oldest first. */
  recent(): TsvisorEvent[] {
    return [...this.history];
  }

  /** Live events from now on; returns the unsubscribe function. */
  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => void this.subscribers.delete(subscriber);
  }
}
