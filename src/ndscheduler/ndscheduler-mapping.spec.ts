import {
  dayOfWeekToCrontab,
  mapNdschedulerJob,
  mapNdschedulerJobs,
  NDSCHEDULER_CURL_JOB,
  NDSCHEDULER_SHELL_JOB,
  type NdschedulerJob,
  ndschedulerJobsOf,
} from './ndscheduler-mapping.js';

const job = (fields: Partial<NdschedulerJob>): NdschedulerJob => ({
  job_id: 'a1',
  name: 'job',
  job_class_string: NDSCHEDULER_SHELL_JOB,
  pub_args: ['/bin/true'],
  month: '*',
  day_of_week: '*',
  day: '*',
  hour: '*',
  minute: '*/5',
  next_run_time: '2026-12-07T10:00:00+00:00',
  ...fields,
});

describe('dayOfWeekToCrontab (Monday=0 → Sunday=0)', () => {
  it.each([
    ['*', '*'],
    ['0-4', '1-5'],
    ['6', '0'],
    ['0', '1'],
    ['5', '6'],
    ['5,6', '0,6'],
    ['5-6', '0,6'],
    ['4-6', '0,5-6'],
    ['0-6', '*'],
    ['0,2,4', '1,3,5'],
    ['1-3,6', '0,2-4'],
    ['*/2', '0-1,3,5'],
    ['0-4/2', '1,3,5'],
    ['3/2', '4,6'],
  ])('%s → %s', (from, to) => {
    expect(dayOfWeekToCrontab(from)).toBe(to);
  });

  it('keeps names, which mean the same in both numberings', () => {
    expect(dayOfWeekToCrontab('mon-fri')).toBe('mon-fri');
    expect(dayOfWeekToCrontab('sat,sun')).toBe('sat,sun');
    expect(dayOfWeekToCrontab('MON,6')).toBe('mon,0');
  });

  it('refuses what it cannot read, naming the item', () => {
    expect(() => dayOfWeekToCrontab('7')).toThrow('"7" is out of range 0-6');
    expect(() => dayOfWeekToCrontab('4-1')).toThrow('"4-1" is a reversed range');
    expect(() => dayOfWeekToCrontab('funday')).toThrow('"funday" is not a day, a range or a step');
    expect(() => dayOfWeekToCrontab('mon-xyz')).toThrow('"xyz" is not a day name');
    expect(() => dayOfWeekToCrontab('*/0')).toThrow('has a step of 0');
  });
});

describe('mapNdschedulerJob', () => {
  it('maps a ShellJob with its argv and the schedule; running means not paused', () => {
    expect(mapNdschedulerJob(job({ pub_args: ['/bin/echo', 'hi'], day_of_week: '0-4', hour: 3 }), 'job')).toEqual({
      job: {
        name: 'job',
        job_class_string: 'ShellJob',
        pub_args: ['/bin/echo', 'hi'],
        month: '*',
        day_of_week: '1-5',
        day: '*',
        hour: '3',
        minute: '*/5',
        second: '0',
        paused: false,
      },
    });
  });

  it('maps a CurlJob [url, request_type] to [url, METHOD] (GET when missing); keeps a time zone; null next run is paused', () => {
    const mapped = mapNdschedulerJob(
      job({
        job_class_string: NDSCHEDULER_CURL_JOB,
        pub_args: ['https://example.com/hook', 'delete'],
        timezone: 'Europe/Berlin',
        next_run_time: null,
      }),
      'hook',
    );
    expect(mapped).toMatchObject({
      job: {
        job_class_string: 'CurlJob',
        pub_args: ['https://example.com/hook', 'DELETE'],
        timezone: 'Europe/Berlin',
        paused: true,
      },
    });
    const bare = mapNdschedulerJob(job({ job_class_string: NDSCHEDULER_CURL_JOB, pub_args: ['https://x.org'] }), 'x');
    expect(bare).toMatchObject({ job: { pub_args: ['https://x.org', 'GET'] } });
  });

  it('gives the reason for what has no equivalent', () => {
    expect(
      mapNdschedulerJob(job({ job_class_string: 'simple_scheduler.jobs.sample_job.AwesomeSampleJob' }), 'x'),
    ).toEqual({
      reason: expect.stringContaining('no equivalent of simple_scheduler.jobs.sample_job.AwesomeSampleJob') as string,
    });
    expect(mapNdschedulerJob(job({ pub_args: [] }), 'x')).toEqual({
      reason: 'a ShellJob without pub_args has no program to run',
    });
    expect(mapNdschedulerJob(job({ job_class_string: NDSCHEDULER_CURL_JOB, pub_args: [3] }), 'x')).toEqual({
      reason: 'a CurlJob needs a URL as pub_args[0]',
    });
    expect(mapNdschedulerJob(job({ day_of_week: '9' }), 'x')).toEqual({
      reason: 'day_of_week "9": "9" is out of range 0-6 (ndscheduler counts Monday as 0)',
    });
  });

  it('names repeated in ndscheduler get its job_id, so a second run finds the same names', () => {
    const mapped = mapNdschedulerJobs([
      job({ job_id: 'a', name: 'backup' }),
      job({ job_id: 'b', name: 'backup' }),
      job({ job_id: 'c', name: '' }),
      job({ job_id: 'd', name: 'other' }),
    ]);
    expect(mapped.map((entry) => ('job' in entry ? entry.job.name : entry.reason))).toEqual([
      'backup (ndscheduler a)',
      'backup (ndscheduler b)',
      'ndscheduler c',
      'other',
    ]);
  });
});

describe('ndschedulerJobsOf', () => {
  it('reads {"jobs": [...]} and refuses anything else', () => {
    expect(ndschedulerJobsOf({ jobs: [{ job_id: 'x', name: 'n' }] })).toEqual([{ job_id: 'x', name: 'n' }]);
    expect(() => ndschedulerJobsOf([])).toThrow('no "jobs" list');
    expect(() => ndschedulerJobsOf({ jobs: [{ name: 'n' }] })).toThrow('jobs[0] has no job_id');
  });
});
