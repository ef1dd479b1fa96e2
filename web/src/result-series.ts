/** The numbers in a job's results, as lines over time, for the "Results over time" chart. */
export interface ResultPoint {
  /** ISO instant (the execution's scheduled time). */
  time: string;
  value: number;
}

export interface ResultSeries {
  /** `value` for a bare number; the field's name, or `outer.inner` one level down. */
  name: string;
  points: ResultPoint[];
}

interface ExecutionLike {
  scheduled_time: string;
  state: string;
  result: string | null;
}

/** At most this many lines: the fields found in the most results win. */
export const MAX_SERIES = 6;

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The numbers of one result: a number as `value`, an object's numeric fields (and those one level down). */
export function numbersOf(result: string | null): Map<string, number> {
  const numbers = new Map<string, number>();
  if (result === null) return numbers;
  let parsed: unknown;
  try {
    parsed = JSON.parse(result);
  } catch {
    return numbers;
  }
  if (isNumber(parsed)) numbers.set('value', parsed);
  else if (isPlainObject(parsed)) {
    for (const [key, value] of Object.entries(parsed)) {
      if (isNumber(value)) numbers.set(key, value);
      else if (isPlainObject(value)) {
        for (const [inner, innerValue] of Object.entries(value)) {
          if (isNumber(innerValue)) numbers.set(`${key}.${inner}`, innerValue);
        }
      }
    }
  }
  return numbers;
}

/**
 * The series of the succeeded executions' results, oldest first (a failed run's result is its error).
 * Only fields with at least two values make a line; none at all gives [] (no chart).
 */
export function resultSeries(executions: readonly ExecutionLike[]): ResultSeries[] {
  const byName = new Map<string, ResultPoint[]>();
  const ordered = executions
    .filter((execution) => execution.state === 'succeeded')
    .sort((a, b) => Date.parse(a.scheduled_time) - Date.parse(b.scheduled_time));
  for (const execution of ordered) {
    for (const [name, value] of numbersOf(execution.result)) {
      const points = byName.get(name) ?? [];
      points.push({ time: execution.scheduled_time, value });
      byName.set(name, points);
    }
  }
  return [...byName]
    .filter(([, points]) => points.length >= 2)
    .sort(([a, pa], [b, pb]) => pb.length - pa.length || a.localeCompare(b))
    .slice(0, MAX_SERIES)
    .map(([name, points]) => ({ name, points }));
}

/** Round axis ticks (1, 2, 2.5 or 5 × 10^n steps) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) / 2;
    return niceTicks(min - pad, max + pad, count);
  }
  const rough = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? rough;
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

/** A sentence for screen readers: what the chart shows. */
export function describeSeries(series: readonly ResultSeries[]): string {
  const parts = series.map((line) => {
    const values = line.points.map((point) => point.value);
    const last = values[values.length - 1];
    return `${line.name} from ${Math.min(...values)} to ${Math.max(...values)}, latest ${last}`;
  });
  const runs = new Set(series.flatMap((line) => line.points.map((point) => point.time))).size;
  return `Results over time of ${runs} runs: ${parts.join('; ')}`;
}
