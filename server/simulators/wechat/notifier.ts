// Delivers v3 callbacks the way WeChat does: POST JSON to notify_url, signed per attempt, and
// delivered again on a schedule until the receiver answers 2xx (WeChat's real schedule is
// 15s/15s/30s/3m/… over 24h; the simulator's is short and configurable).

export interface DeliveryAttempt {
  readonly at: Date;
  readonly status?: number;
  readonly error?: string;
}

export interface NotificationRecord {
  readonly id: string;
  readonly eventType: string;
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly url: string;
  readonly body: string;
  readonly attempts: DeliveryAttempt[];
  delivered: boolean;
  /** A deliberate second delivery of the same notification (late_duplicate_notify). */
  readonly duplicate: boolean;
}

export interface OutgoingNotification {
  readonly id: string;
  readonly eventType: string;
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly url: string;
  readonly body: string;
  /** Builds the signature headers for one attempt (fresh timestamp and nonce each time). */
  readonly headers: () => Record<string, string>;
}

export class Notifier {
  readonly records: NotificationRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly retryScheduleMs: readonly number[]) {}

  /** Sends after `delayMs`, then again after each step of the schedule while the answer is not 2xx. */
  send(notification: OutgoingNotification, delayMs: number, duplicate = false): void {
    const record: NotificationRecord = {
      id: notification.id,
      eventType: notification.eventType,
      outTradeNo: notification.outTradeNo,
      outRefundNo: notification.outRefundNo,
      url: notification.url,
      body: notification.body,
      attempts: [],
      delivered: false,
      duplicate,
    };
    this.records.push(record);
    this.later(delayMs, () => this.attempt(notification, record, 0));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
  }

  private later(ms: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    this.timers.add(timer);
  }

  private async attempt(notification: OutgoingNotification, record: NotificationRecord, retry: number): Promise<void> {
    if (this.stopped) return;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), 5_000);
    try {
      const response = await fetch(notification.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "User-Agent": "Mozilla/4.0", ...notification.headers() },
        body: notification.body,
        signal: controller.signal,
      });
      await response.arrayBuffer();
      record.attempts.push({ at: new Date(), status: response.status });
      record.delivered = response.status >= 200 && response.status < 300;
    } catch (error) {
      record.attempts.push({ at: new Date(), error: (error as Error).message });
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    const next = this.retryScheduleMs[retry];
    if (!record.delivered && next !== undefined) this.later(next, () => this.attempt(notification, record, retry + 1));
  }
}
