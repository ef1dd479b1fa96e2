import type { AuthUser } from '../access/auth-user.js';
import type { Permission } from '../access/permissions.js';
import { mayReceive, parseNotice, viewerOf } from './change-notice.js';

const user = (id: string, permissions: Permission[], isAdmin = false): AuthUser => ({
  id,
  username: id,
  email: null,
  roles: isAdmin ? ['admin'] : [],
  permissions: new Set(permissions),
  isAdmin,
  tokenId: 'jti',
  tokenExpiresAt: new Date(Date.now() + 60_000),
});

const execution = (ownerId: string | null) =>
  parseNotice(JSON.stringify({ i: 7, k: 'e', x: 'exec-1', j: 'job-1', o: ownerId, s: 'running' }))!;
const job = (ownerId: string | null) =>
  parseNotice(JSON.stringify({ i: 8, k: 'j', j: 'job-1', o: ownerId, c: 'paused' }))!;

describe('parseNotice', () => {
  it('reads the triggers’ payloads', () => {
    expect(execution('a')).toEqual({
      id: '7',
      kind: 'execution',
      executionId: 'exec-1',
      jobId: 'job-1',
      ownerId: 'a',
      state: 'running',
    });
    expect(job(null)).toEqual({ id: '8', kind: 'job', jobId: 'job-1', ownerId: null, change: 'paused' });
  });

  it('refuses anything else', () => {
    expect(parseNotice('not json')).toBeNull();
    expect(parseNotice('null')).toBeNull();
    expect(parseNotice(JSON.stringify({ i: 1, k: 'j', j: 'job', c: 'exploded' }))).toBeNull();
    expect(parseNotice(JSON.stringify({ k: 'e', x: 'e', j: 'j', s: 'running' }))).toBeNull();
  });
});

describe('mayReceive', () => {
  it('gives a user the events of their own jobs only', () => {
    const viewer = viewerOf(user('a', ['job_view', 'execution_view']));
    expect(mayReceive(viewer, execution('a'))).toBe(true);
    expect(mayReceive(viewer, job('a'))).toBe(true);
    expect(mayReceive(viewer, execution('b'))).toBe(false);
    expect(mayReceive(viewer, job('b'))).toBe(false);
    expect(mayReceive(viewer, execution(null))).toBe(false);
  });

  it('needs execution_view for executions and job_view for jobs', () => {
    expect(mayReceive(viewerOf(user('a', ['job_view'])), execution('a'))).toBe(false);
    expect(mayReceive(viewerOf(user('a', ['execution_view'])), job('a'))).toBe(false);
  });

  it('gives admins and view_all everyone’s, an owner-less execution included', () => {
    const admin = viewerOf(user('x', [], true));
    const auditor = viewerOf(user('y', ['view_all', 'job_view', 'execution_view']));
    for (const viewer of [admin, auditor]) {
      expect(mayReceive(viewer, execution('b'))).toBe(true);
      expect(mayReceive(viewer, execution(null))).toBe(true);
      expect(mayReceive(viewer, job('b'))).toBe(true);
    }
  });
});
