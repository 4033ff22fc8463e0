/**
 * One log stream for the whole platform: every line carries its source (service and
 * function, or a part of the runner) and the correlation id when there is one. The
 * functions' Powertools JSON lines are shortened to level, message and their extra keys.
 */
import type { LogSink } from './types';

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92, 94];
const RUNNER_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_name',
  'function_memory_size',
  'function_arn',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'correlationId',
]);

/** `{"level":"INFO","message":"order placed","orderId":"ord_1",...}` -> `INFO order placed orderId=ord_1`. */
export function formatLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const emf = (o._aws as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined)
      ?.CloudWatchMetrics;
    if (emf) {
      // An EMF metrics blob: just the values.
      const names = emf.flatMap((m) => m.Metrics.map((x) => x.Name));
      return `METRIC ${names.map((n) => `${n}=${JSON.stringify(o[n])}`).join(' ')}`;
    }
    if (typeof o.message !== 'string') return line;
    const extra = Object.entries(o)
      .filter(([k]) => !RUNNER_KEYS.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return [String(o.level ?? 'INFO'), o.message, ...extra].join(' ');
  } catch {
    return line;
  }
}

export interface ConsoleSinkOptions {
  color?: boolean;
  /** Hide DEBUG lines (default true). */
  quiet?: boolean;
  write?: (text: string) => void;
}

export function consoleSink(opts: ConsoleSinkOptions = {}): LogSink {
  const write = opts.write ?? ((t: string) => process.stdout.write(t));
  const colorOf = new Map<string, number>();
  return {
    line(source, message, correlationId) {
      const text = formatLine(message);
      if (opts.quiet !== false && text.startsWith('DEBUG ')) return;
      const service = source.split('/')[0]!;
      if (!colorOf.has(service)) colorOf.set(service, COLORS[colorOf.size % COLORS.length]!);
      const time = new Date().toISOString().slice(11, 23);
      const tag = opts.color ? `\x1b[${colorOf.get(service)}m${source.padEnd(28)}\x1b[0m` : source.padEnd(28);
      const corr = correlationId ? ` [${correlationId.slice(0, 36)}]` : '';
      write(`${time} ${tag}${corr} ${text}\n`);
    },
  };
}

/** Keeps lines in memory (tests assert on them); optionally forwards them. */
export function memorySink(
  forward?: LogSink,
): LogSink & { lines: Array<{ source: string; message: string; correlationId?: string }> } {
  const lines: Array<{ source: string; message: string; correlationId?: string }> = [];
  return {
    lines,
    line(source, message, correlationId) {
      lines.push({ source, message, ...(correlationId ? { correlationId } : {}) });
      if (lines.length > 20_000) lines.splice(0, 10_000);
      forward?.line(source, message, correlationId);
    },
  };
}
