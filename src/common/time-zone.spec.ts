import { isIanaTimeZone } from './time-zone.js';

describe('isIanaTimeZone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1'])(
    'accepts %s',
    (name) => expect(isIanaTimeZone(name)).toBe(true),
  );

  it.each(['', 'Mars/Olympus', '+01:00', 'Europe/', 'Europe/Berlin ', '../etc/passwd'])('refuses %p', (name) =>
    expect(isIanaTimeZone(name)).toBe(false),
  );
});
