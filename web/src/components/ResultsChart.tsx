import { Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useId, useState } from 'react';
import { localTime } from '../format';
import { describeSeries, niceTicks, type ResultSeries } from '../result-series';
import { usePhone } from '../use-phone';
import { Time } from './Time';

const COLOURS = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599'];
const HEIGHT = 240;
const MARGIN = { top: 12, right: 20, bottom: 44, left: 60 };

/** A short label of an instant on the time axis: the time of day, with the date when the span is long. */
function timeLabel(ms: number, spanMs: number): string {
  const date = new Date(ms);
  if (spanMs < 24 * 3600_000) {
    return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  return date.toLocaleString(undefined, { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
}

const formatValue = (value: number): string =>
  Math.abs(value) >= 10_000 ? value.toExponential(1) : String(Number(value.toPrecision(6)));

/**
 * "Results over time": the numbers of a job's results as lines (x = scheduled time), hand-drawn SVG
 * sized to its container. For screen readers: `role="img"` with a summary, and a "Show values" table.
 */
export function ResultsChart({ series }: { series: ResultSeries[] }) {
  const { ref, width: measured } = useElementSize();
  const [showValues, setShowValues] = useState(false);
  const tableId = useId();
  // Phones: the times wrap and the cells tighten, so a few series fit without scrolling sideways.
  const phone = usePhone();
  const width = Math.max(280, Math.round(measured) || 640);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;

  const times = series.flatMap((line) => line.points.map((point) => Date.parse(point.time)));
  const values = series.flatMap((line) => line.points.map((point) => point.value));
  const minTime = Math.min(...times);
  const maxTime = Math.max(...times);
  const span = maxTime - minTime;
  const yTicks = niceTicks(Math.min(...values), Math.max(...values), 5);
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1];
  const x = (ms: number): number => MARGIN.left + (span === 0 ? plotWidth / 2 : ((ms - minTime) / span) * plotWidth);
  const y = (value: number): number => MARGIN.top + plotHeight - ((value - yMin) / (yMax - yMin)) * plotHeight;
  const xTickCount = width < 480 ? 2 : 4;
  const xTicks =
    span === 0 ? [minTime] : Array.from({ length: xTickCount }, (_, i) => minTime + (span * i) / (xTickCount - 1));

  const rows = [...new Set(series.flatMap((line) => line.points.map((point) => point.time)))].sort(
    (a, b) => Date.parse(b) - Date.parse(a),
  );
  const valueAt = new Map(series.map((line) => [line.name, new Map(line.points.map((p) => [p.time, p.value]))]));

  return (
    <Card withBorder padding={phone ? 'sm' : 'md'}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3}>Results over time</Title>
          <Button
            size="xs"
            variant="subtle"
            aria-expanded={showValues}
            aria-controls={tableId}
            onClick={() => setShowValues((shown) => !shown)}
          >
            {showValues ? 'Hide values' : 'Show values'}
          </Button>
        </Group>
        <div ref={ref} style={{ width: '100%' }}>
          <svg
            role="img"
            aria-label={describeSeries(series)}
            width={width}
            height={HEIGHT}
            viewBox={`0 0 ${width} ${HEIGHT}`}
            style={{ display: 'block', maxWidth: '100%', fontSize: 11, fontFamily: 'inherit' }}
          >
            {yTicks.map((tick) => (
              <g key={tick}>
                <line
                  x1={MARGIN.left}
                  x2={width - MARGIN.right}
                  y1={y(tick)}
                  y2={y(tick)}
                  stroke="var(--mantine-color-gray-3)"
                />
                <text x={MARGIN.left - 6} y={y(tick)} dy="0.32em" textAnchor="end" fill="var(--mantine-color-dimmed)">
                  {formatValue(tick)}
                </text>
              </g>
            ))}
            <line
              x1={MARGIN.left}
              x2={width - MARGIN.right}
              y1={MARGIN.top + plotHeight}
              y2={MARGIN.top + plotHeight}
              stroke="var(--mantine-color-gray-6)"
            />
            {xTicks.map((tick, index) => (
              <text
                key={tick}
                x={x(tick)}
                y={MARGIN.top + plotHeight + 16}
                textAnchor={
                  xTicks.length === 1
                    ? 'middle'
                    : index === 0
                      ? 'start'
                      : index === xTicks.length - 1
                        ? 'end'
                        : 'middle'
                }
                fill="var(--mantine-color-dimmed)"
              >
                {timeLabel(tick, span)}
              </text>
            ))}
            <text x={MARGIN.left + plotWidth / 2} y={HEIGHT - 4} textAnchor="middle" fill="var(--mantine-color-text)">
              Scheduled time
            </text>
            <text
              transform={`translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)`}
              textAnchor="middle"
              fill="var(--mantine-color-text)"
            >
              Value
            </text>
            {series.map((line, index) => {
              const colour = COLOURS[index % COLOURS.length];
              const path = line.points
                .map(
                  (point, i) =>
                    `${i === 0 ? 'M' : 'L'}${x(Date.parse(point.time)).toFixed(1)},${y(point.value).toFixed(1)}`,
                )
                .join(' ');
              return (
                <g key={line.name}>
                  <path d={path} fill="none" stroke={colour} strokeWidth={2} />
                  {line.points.map((point) => (
                    <circle key={point.time} cx={x(Date.parse(point.time))} cy={y(point.value)} r={3} fill={colour}>
                      <title>{`${line.name}: ${point.value} at ${localTime(point.time)}`}</title>
                    </circle>
                  ))}
                </g>
              );
            })}
          </svg>
        </div>
        <Group gap="md" aria-label="Legend">
          {series.map((line, index) => (
            <Group key={line.name} gap={6} wrap="nowrap">
              <span
                aria-hidden
                style={{
                  display: 'inline-block',
                  width: 14,
                  height: 3,
                  borderRadius: 2,
                  background: COLOURS[index % COLOURS.length],
                }}
              />
              <Text size="sm">{line.name}</Text>
            </Group>
          ))}
        </Group>
        {showValues && (
          <Table.ScrollContainer minWidth={200} id={tableId}>
            <Table
              striped
              verticalSpacing={4}
              horizontalSpacing={phone ? 6 : 'xs'}
              fz={phone ? 'xs' : 'sm'}
              aria-label="Result values"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Scheduled</Table.Th>
                  {series.map((line) => (
                    <Table.Th key={line.name}>{line.name}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((time) => (
                  <Table.Tr key={time}>
                    <Table.Td>
                      <Time iso={time} wrap={phone} />
                    </Table.Td>
                    {series.map((line) => (
                      <Table.Td key={line.name}>{valueAt.get(line.name)?.get(time) ?? '—'}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}
