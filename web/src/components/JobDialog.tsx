import {
  Accordion,
  Alert,
  Button,
  Checkbox,
  Code,
  Group,
  List,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { api, errorText, type Job, type Schemas, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { localTime, scheduleInWords } from '../format';
import {
  argumentName,
  asText,
  fieldOf,
  isOptional,
  isVariadic,
  parseArgument,
  toLocalInput,
  type Trigger,
  triggerBody,
} from '../job-form';

type JobClass = Schemas['JobClassResponse'];
type Argument = Schemas['JobArgumentResponse'];

const SCHEDULE_FIELDS = [
  ['second', 'Second', '0-59'],
  ['minute', 'Minute', '0-59'],
  ['hour', 'Hour', '0-23'],
  ['day', 'Day', '1-31'],
  ['month', 'Month', '1-12'],
  ['day_of_week', 'Day of week', '0-7 (0, 7: Sunday), mon-sun'],
] as const;
type ScheduleField = (typeof SCHEDULE_FIELDS)[number][0];

/** Fields whose 400 messages are shown under their input. */
const FORM_FIELDS = new Set([
  'name',
  'timezone',
  'trigger',
  'interval_seconds',
  'run_date',
  'start_date',
  'end_date',
  'jitter_seconds',
  'retries',
  'retry_delay_seconds',
  'retry_delay_max_seconds',
  ...SCHEDULE_FIELDS.map(([field]) => field),
]);

const TRIGGERS: Array<{ value: Trigger; label: string }> = [
  { value: 'cron', label: 'Cron' },
  { value: 'interval', label: 'Interval' },
  { value: 'date', label: 'Once at' },
];

const TIME_ZONES: string[] = (() => {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return supported.includes('UTC') ? supported : ['UTC', ...supported];
})();

/** What a new job starts with (e.g. "New job from this script": ScriptJob and the script id). */
export type JobDialogInitial = Partial<Pick<Job, 'name' | 'job_class_string' | 'pub_args'>>;

/** "New job" and "Edit": every field of a job, the schedule in words and its next five fires as you type. */
export function JobDialog({
  job,
  initial,
  opened,
  onClose,
}: {
  job?: Job;
  initial?: JobDialogInitial;
  opened: boolean;
  onClose: () => void;
}) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const classes = useQuery({
    queryKey: ['job-classes'],
    queryFn: async () => unwrap(await api.GET('/api/v1/job-classes')),
    enabled: opened,
  });
  const offered = (classes.data?.job_classes ?? []).filter(
    (entry) => entry.requires_permission === null || auth.can(entry.requires_permission),
  );
  const [name, setName] = useState(job?.name ?? initial?.name ?? '');
  const [className, setClassName] = useState<string | null>(job?.job_class_string ?? initial?.job_class_string ?? null);
  const [args, setArgs] = useState<string[] | null>(null);
  const [schedule, setSchedule] = useState<Record<ScheduleField, string>>({
    second: job?.second ?? '0',
    minute: job?.minute ?? '*',
    hour: job?.hour ?? '*',
    day: job?.day ?? '*',
    month: job?.month ?? '*',
    day_of_week: job?.day_of_week ?? '*',
  });
  const [timezone, setTimezone] = useState(job?.timezone ?? 'UTC');
  const [trigger, setTrigger] = useState<Trigger>(job?.trigger ?? 'cron');
  const [intervalSeconds, setIntervalSeconds] = useState<number | string>(job?.interval_seconds ?? 60);
  const [runDate, setRunDate] = useState(toLocalInput(job?.run_date));
  const [startDate, setStartDate] = useState(toLocalInput(job?.start_date));
  const [endDate, setEndDate] = useState(toLocalInput(job?.end_date));
  const [jitterSeconds, setJitterSeconds] = useState<number | string>(job?.jitter_seconds ?? 0);
  const [retries, setRetries] = useState<number | string>(job?.retries ?? 0);
  const [retryDelay, setRetryDelay] = useState<number | string>(job?.retry_delay_seconds ?? 30);
  const [retryBackoff, setRetryBackoff] = useState(job?.retry_backoff ?? true);
  const [retryDelayMax, setRetryDelayMax] = useState<number | string>(job?.retry_delay_max_seconds ?? 3600);
  const [maxInstances, setMaxInstances] = useState<number | string>(job?.max_instances ?? 3);
  const [timeoutSeconds, setTimeoutSeconds] = useState<number | string>(job?.timeout_seconds ?? 3600);
  const [misfireGrace, setMisfireGrace] = useState<number | string>(job?.misfire_grace_seconds ?? 3600);
  const [coalesce, setCoalesce] = useState(job?.coalesce ?? true);
  const [paused, setPaused] = useState(job?.paused ?? false);
  const [problems, setProblems] = useState<Record<string, string>>({});
  /** A field's server-side problem goes once the field is edited (a stale "not in the future" misleads). */
  const edited = (field: string): void =>
    setProblems((current) => {
      if (!(field in current)) return current;
      const rest = { ...current };
      delete rest[field];
      return rest;
    });
  const [general, setGeneral] = useState<string | null>(null);

  const jobClass: JobClass | undefined = offered.find((entry) => entry.job_class_string === className);
  const argTexts = useMemo(() => {
    if (args) return args;
    if (!jobClass) return [];
    const given = job ?? initial;
    const source = given?.job_class_string === jobClass.job_class_string ? (given.pub_args ?? []) : [];
    const declared = jobClass.arguments;
    const count = Math.max(source.length, declared.filter((argument) => !isOptional(argument)).length);
    return Array.from({ length: count }, (_, index) => {
      const spec = declared[Math.min(index, declared.length - 1)];
      return asText(source[index], spec?.type ?? 'any');
    });
  }, [args, jobClass, job, initial]);
  const specOf = (index: number): Argument | undefined =>
    jobClass?.arguments[Math.min(index, (jobClass?.arguments.length ?? 1) - 1)];
  const canAddArgument =
    jobClass !== undefined &&
    (argTexts.length < jobClass.arguments.length || jobClass.arguments.some((argument) => isVariadic(argument)));

  const triggerFields = triggerBody({ trigger, intervalSeconds, runDate, startDate, endDate }, job?.run_date);
  const scheduleBody = { ...(trigger === 'cron' ? schedule : {}), timezone, ...triggerFields };
  // The preview always sends run_date (an unchanged past one then says it will not fire).
  const previewBody = {
    ...scheduleBody,
    ...triggerBody({ trigger, intervalSeconds, runDate, startDate, endDate }),
  };
  const [debounced] = useDebouncedValue(previewBody, 300);
  const preview = useQuery({
    queryKey: ['preview', debounced],
    enabled: opened,
    retry: false,
    queryFn: async () => unwrap(await api.POST('/api/v1/jobs/preview', { body: debounced })),
  });

  const save = useMutation({
    mutationFn: async (body: Schemas['CreateJobDto']) => {
      const result = job
        ? await api.PUT('/api/v1/jobs/{job_id}', { params: { path: { job_id: job.job_id } }, body })
        : await api.POST('/api/v1/jobs', { body });
      if (!result.data) throw Object.assign(new Error(errorText(result.error)), { body: result.error });
      return result.data;
    },
    onSuccess: (saved) => {
      notifications.show({ message: `${saved.name}: ${job ? 'saved' : 'created'}`, color: 'teal' });
      void queryClient.invalidateQueries();
      onClose();
    },
    onError: (error: Error & { body?: unknown }) => {
      const raw = (error.body as { message?: unknown } | undefined)?.message;
      const messages = Array.isArray(raw) ? raw.map(String) : [error.message];
      const byField: Record<string, string> = {};
      const rest: string[] = [];
      for (const message of messages) {
        const field = fieldOf(message);
        if (field && (FORM_FIELDS.has(field) || field.startsWith('pub_args'))) {
          byField[field] = message;
        } else rest.push(message);
      }
      setProblems(byField);
      setGeneral(rest.length ? rest.join('; ') : null);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    const pubArgs: unknown[] = [];
    argTexts.forEach((text, index) => {
      const parsed = parseArgument(text, specOf(index)?.type ?? 'any');
      if ('problem' in parsed) found[`pub_args[${index}]`] = `pub_args[${index}] ${parsed.problem}`;
      else pubArgs.push(parsed.value);
    });
    setProblems(found);
    if (Object.keys(found).length > 0 || !className) return;
    save.mutate({
      name,
      job_class_string: className,
      pub_args: pubArgs,
      ...scheduleBody,
      jitter_seconds: Number(jitterSeconds),
      retries: Number(retries),
      retry_delay_seconds: Number(retryDelay),
      retry_backoff: retryBackoff,
      retry_delay_max_seconds: Number(retryDelayMax),
      max_instances: Number(maxInstances),
      timeout_seconds: Number(timeoutSeconds),
      misfire_grace_seconds: Number(misfireGrace),
      coalesce,
      ...(job ? {} : { paused }),
    });
  };

  return (
    <Modal opened={opened} onClose={onClose} title={job ? `Edit ${job.name}` : 'New job'} size="lg">
      <form onSubmit={submit}>
        <Stack>
          {general && <Alert color="red">{general}</Alert>}
          <TextInput
            label="Name"
            required
            withAsterisk={false}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={problems.name}
          />
          <Select
            label="Job class"
            placeholder="Pick a job class"
            data={offered.map((entry) => ({
              value: entry.job_class_string,
              label: `${entry.name} (${entry.job_class_string})`,
            }))}
            value={className}
            onChange={(value) => {
              setClassName(value);
              setArgs(null);
            }}
            allowDeselect={false}
          />
          {jobClass && (
            <Text size="xs" c="dimmed">
              {jobClass.notes} Example: <Code>{JSON.stringify(jobClass.example_arguments)}</Code>
            </Text>
          )}
          {argTexts.map((text, index) => {
            const spec = specOf(index);
            const label = spec ? argumentName(spec) : `argument ${index + 1}`;
            const change = (value: string) => setArgs(argTexts.map((old, at) => (at === index ? value : old)));
            const error = problems[`pub_args[${index}]`];
            if (spec?.type === 'boolean') {
              return (
                <Checkbox
                  key={index}
                  label={label}
                  checked={text === 'true'}
                  onChange={(e) => change(String(e.currentTarget.checked))}
                />
              );
            }
            const multiline = spec?.type === 'object' || spec?.type === 'array' || spec?.type === 'any';
            return multiline ? (
              <Textarea
                key={index}
                label={label}
                description={spec ? spec.description.slice(label.length).replace(/^[\s:]+/, '') : undefined}
                value={text}
                onChange={(e) => change(e.currentTarget.value)}
                error={error}
                autosize
                minRows={1}
              />
            ) : (
              <TextInput
                key={index}
                label={label}
                description={spec ? spec.description.slice(label.length).replace(/^[\s:]+/, '') : undefined}
                value={text}
                onChange={(e) => change(e.currentTarget.value)}
                error={error}
              />
            );
          })}
          {canAddArgument && (
            <Group>
              <Button variant="subtle" size="xs" onClick={() => setArgs([...argTexts, ''])}>
                Add argument
              </Button>
              {argTexts.length > 0 && (
                <Button variant="subtle" size="xs" color="gray" onClick={() => setArgs(argTexts.slice(0, -1))}>
                  Remove last argument
                </Button>
              )}
            </Group>
          )}
          <div>
            <Text size="sm" fw={500} id="trigger-label">
              Trigger
            </Text>
            <SegmentedControl
              aria-labelledby="trigger-label"
              data={TRIGGERS}
              value={trigger}
              onChange={(value) => setTrigger(value)}
              fullWidth
            />
            {problems.trigger && (
              <Text size="xs" c="red">
                {problems.trigger}
              </Text>
            )}
          </div>
          {trigger === 'cron' && (
            <SimpleGrid cols={{ base: 2, sm: 3 }}>
              {SCHEDULE_FIELDS.map(([field, label, hint]) => (
                <TextInput
                  key={field}
                  label={label}
                  description={hint}
                  value={schedule[field]}
                  onChange={(e) => setSchedule({ ...schedule, [field]: e.currentTarget.value })}
                  error={problems[field]}
                />
              ))}
            </SimpleGrid>
          )}
          {trigger === 'interval' && (
            <NumberInput
              label="Every (seconds)"
              description="fires at the start date + every multiple of this; 1 to 31536000"
              min={1}
              max={31_536_000}
              allowDecimal={false}
              value={intervalSeconds}
              onChange={(value) => {
                setIntervalSeconds(value);
                edited('interval_seconds');
              }}
              error={problems.interval_seconds}
            />
          )}
          {trigger === 'date' && (
            <TextInput
              type="datetime-local"
              step={1}
              label="Run at"
              description="once, in your browser's time zone; must be in the future"
              value={runDate}
              onChange={(e) => {
                setRunDate(e.currentTarget.value);
                edited('run_date');
              }}
              error={problems.run_date}
            />
          )}
          {trigger !== 'date' && (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                type="datetime-local"
                step={1}
                label="Start date"
                description={
                  trigger === 'interval'
                    ? 'where the grid starts (empty: now); your time zone'
                    : 'no fire before it (optional); your time zone'
                }
                value={startDate}
                onChange={(e) => {
                  setStartDate(e.currentTarget.value);
                  edited('start_date');
                }}
                error={problems.start_date}
              />
              <TextInput
                type="datetime-local"
                step={1}
                label="End date"
                description="no fire after it (optional); your time zone"
                value={endDate}
                onChange={(e) => {
                  setEndDate(e.currentTarget.value);
                  edited('end_date');
                }}
                error={problems.end_date}
              />
            </SimpleGrid>
          )}
          <Select
            label="Time zone"
            data={TIME_ZONES}
            value={timezone}
            onChange={(value) => setTimezone(value ?? 'UTC')}
            searchable
            allowDeselect={false}
            error={problems.timezone}
          />
          <div aria-live="polite">
            <Text size="sm" fw={600}>
              {scheduleInWords({
                ...schedule,
                timezone,
                trigger,
                interval_seconds: Number(intervalSeconds) || null,
                run_date: (triggerFields.run_date as string | null | undefined) ?? job?.run_date ?? null,
                start_date: (triggerFields.start_date as string | null | undefined) ?? null,
                end_date: (triggerFields.end_date as string | null | undefined) ?? null,
              })}
            </Text>
            {preview.isError && (
              <Text size="sm" c="red">
                {preview.error.message}
              </Text>
            )}
            {preview.data && (
              <List size="sm" aria-label="Next fire times">
                {preview.data.next_run_times.map((time) => (
                  <List.Item key={time}>{localTime(time)}</List.Item>
                ))}
              </List>
            )}
          </div>
          <Accordion variant="contained">
            <Accordion.Item value="advanced">
              <Accordion.Control>Advanced</Accordion.Control>
              <Accordion.Panel>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <NumberInput label="Max instances" min={1} value={maxInstances} onChange={setMaxInstances} />
                  <NumberInput label="Timeout (s)" min={1} value={timeoutSeconds} onChange={setTimeoutSeconds} />
                  <NumberInput label="Misfire grace (s)" min={0} value={misfireGrace} onChange={setMisfireGrace} />
                  <NumberInput
                    label="Jitter (s)"
                    description="each start delayed by a random 0..this"
                    min={0}
                    max={3600}
                    allowDecimal={false}
                    value={jitterSeconds}
                    onChange={(value) => {
                      setJitterSeconds(value);
                      edited('jitter_seconds');
                    }}
                    error={problems.jitter_seconds}
                  />
                </SimpleGrid>
                <Group mt="sm">
                  <Checkbox
                    label="Coalesce missed fires"
                    checked={coalesce}
                    onChange={(e) => setCoalesce(e.currentTarget.checked)}
                  />
                  {!job && (
                    <Checkbox
                      label="Start paused"
                      checked={paused}
                      onChange={(e) => setPaused(e.currentTarget.checked)}
                    />
                  )}
                </Group>
              </Accordion.Panel>
            </Accordion.Item>
            <Accordion.Item value="retries">
              <Accordion.Control>Retries{Number(retries) > 0 ? ` (${retries})` : ''}</Accordion.Control>
              <Accordion.Panel>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <NumberInput
                    label="Retries"
                    description="extra attempts after a failed or timed-out run; 0 to 10"
                    min={0}
                    max={10}
                    allowDecimal={false}
                    value={retries}
                    onChange={(value) => {
                      setRetries(value);
                      edited('retries');
                    }}
                    error={problems.retries}
                  />
                  <NumberInput
                    label="Retry delay (s)"
                    description="after the failed attempt ends"
                    min={1}
                    max={86400}
                    allowDecimal={false}
                    value={retryDelay}
                    onChange={(value) => {
                      setRetryDelay(value);
                      edited('retry_delay_seconds');
                    }}
                    error={problems.retry_delay_seconds}
                  />
                  <NumberInput
                    label="Longest delay (s)"
                    description="where the backoff stops growing"
                    min={1}
                    max={86400}
                    allowDecimal={false}
                    value={retryDelayMax}
                    onChange={(value) => {
                      setRetryDelayMax(value);
                      edited('retry_delay_max_seconds');
                    }}
                    error={problems.retry_delay_max_seconds}
                  />
                </SimpleGrid>
                <Checkbox
                  mt="sm"
                  label="Back off: double the delay each time (taken at random between half and all of it)"
                  checked={retryBackoff}
                  onChange={(e) => setRetryBackoff(e.currentTarget.checked)}
                />
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!className}>
              {job ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
