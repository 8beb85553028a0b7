// The health report's per-minute rows hold only minutes that had calls. A chart of the last hour
// needs every minute, or a quiet half hour would be drawn as a straight line between two busy
// minutes; so the gaps are filled with zero calls and no latency.

export interface MinuteStat {
  minute: Date;
  calls: number;
  failures: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

export interface MinutePoint {
  /** Start of the minute, ms since the epoch (the table's and tooltip's key). */
  at: number;
  calls: number;
  failures: number;
  /** null for a minute without calls: no line drawn rather than a false 0 ms. */
  avgLatencyMs: number | null;
  maxLatencyMs: number | null;
}

const MINUTE = 60_000;

/** `minutes` points ending with the minute that holds `now`, oldest first. */
export function fillMinutes(rows: readonly MinuteStat[], now: Date, minutes = 60): MinutePoint[] {
  const byMinute = new Map<number, MinuteStat>();
  for (const r of rows) byMinute.set(Math.floor(r.minute.getTime() / MINUTE) * MINUTE, r);
  const last = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const points: MinutePoint[] = [];
  for (let i = minutes - 1; i >= 0; i--) {
    const at = last - i * MINUTE;
    const r = byMinute.get(at);
    points.push(
      r && r.calls > 0
        ? { at, calls: r.calls, failures: r.failures, avgLatencyMs: Math.round(r.avgLatencyMs), maxLatencyMs: r.maxLatencyMs }
        : { at, calls: 0, failures: 0, avgLatencyMs: null, maxLatencyMs: null },
    );
  }
  return points;
}
