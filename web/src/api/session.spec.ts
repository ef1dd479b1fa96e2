import { REFRESH_URL, Session, SESSION_ENDED_MESSAGE } from './session';

/** A fetch for POST /auth/refresh answering from a queue (after a tick), recording the calls. */
function refreshServer(answers: (() => Response)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    calls.push({ url, init });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = answers.shift();
    if (!next) throw new TypeError('Failed to fetch');
    return next();
  };
  return { calls, fetch: fetch as unknown as typeof globalThis.fetch };
}

const granted = (token: string) => () =>
  new Response(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }), { status: 200 });
const refused = () => new Response('{"statusCode":401}', { status: 401 });

describe('the session of a tab', () => {
  it('renews with the refresh cookie and keeps the access token in memory', async () => {
    const server = refreshServer([granted('new')]);
    const session = new Session({ fetch: server.fetch });
    expect(session.get()).toBeNull();
    await expect(session.renew()).resolves.toBe('renewed');
    expect(session.get()).toBe('new');
    expect(server.calls).toEqual([
      { url: REFRESH_URL, init: { method: 'POST', credentials: 'same-origin', cache: 'no-store' } },
    ]);
  });

  it('makes one refresh for many parallel 401s, and all of them go on with the new token', async () => {
    const server = refreshServer([granted('second')]);
    const session = new Session({ fetch: server.fetch });
    session.set('first');
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => session.recover('first')));
    expect(outcomes).toEqual(Array(8).fill('renewed'));
    expect(server.calls).toHaveLength(1);
    expect(session.get()).toBe('second');
    // a request refused with the old token after the renewal does not refresh again
    await expect(session.recover('first')).resolves.toBe('renewed');
    expect(server.calls).toHaveLength(1);
  });

  it('ends the session once when the refresh is refused', async () => {
    const server = refreshServer([refused]);
    const session = new Session({ fetch: server.fetch });
    const ended: string[] = [];
    session.whenEnded((message) => ended.push(message));
    session.set('first');
    const outcomes = await Promise.all([session.recover('first'), session.recover('first')]);
    expect(outcomes).toEqual(['ended', 'ended']);
    expect(ended).toEqual([SESSION_ENDED_MESSAGE]);
    expect(session.get()).toBeNull();
    expect(server.calls).toHaveLength(1);
  });

  it('keeps the session when the server cannot be reached or fails, so a later request renews', async () => {
    const server = refreshServer([() => new Response('down', { status: 503 })]);
    const session = new Session({ fetch: server.fetch });
    const ended: string[] = [];
    session.whenEnded((message) => ended.push(message));
    session.set('first');
    await expect(session.recover('first')).resolves.toBe('unavailable');
    await expect(session.recover('first')).resolves.toBe('unavailable');
    expect(session.get()).toBe('first');
    expect(ended).toEqual([]);
    expect(server.calls).toHaveLength(2);
  });

  it('a renewal on load that is refused just leaves the tab signed out, with no message', async () => {
    const session = new Session({ fetch: refreshServer([refused]).fetch });
    const ended: string[] = [];
    session.whenEnded((message) => ended.push(message));
    await expect(session.renew()).resolves.toBe('ended');
    expect(session.get()).toBeNull();
    expect(ended).toEqual([]);
    // signed out meanwhile: a late 401 changes nothing
    await expect(session.recover('old')).resolves.toBe('ended');
    expect(ended).toEqual([]);
  });
});
