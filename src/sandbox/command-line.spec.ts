import { launchPlan } from './command-line.js';
import type { HostCapabilities, NetworkCutter } from './sandbox-host.js';

const USER = { name: 'cronwarden-sandbox', uid: 990, gid: 985 };
const TOOLS = { prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv', nice: '/usr/bin/nice', rm: '/usr/bin/rm' };
const LIMITS = ['--data=268435456', '--nofile=1024', '--fsize=67108864', '--core=0', '--'];
const PROGRAM = ['/usr/bin/env', 'a b'];

function caps(extra: Partial<HostCapabilities> = {}): HostCapabilities {
  return { user: USER, ...TOOLS, ...extra };
}

describe('launchPlan', () => {
  it('as root: network namespace, priority and limits as root, then the user switch, then a capability-free exec', () => {
    const privileged: NetworkCutter = { prefix: ['/usr/bin/unshare', '--net', '--'], privileged: true };
    const plan = launchPlan(PROGRAM, caps(), privileged, 256);
    expect([plan.file, ...plan.args]).toEqual([
      '/usr/bin/unshare',
      '--net',
      '--',
      '/usr/bin/nice',
      '-n',
      '10',
      '/usr/bin/prlimit',
      '--data=268435456',
      '--nproc=1024',
      ...LIMITS.slice(1),
      '/usr/bin/setpriv',
      '--reuid=990',
      '--regid=985',
      '--clear-groups',
      '--',
      '/usr/bin/setpriv',
      '--no-new-privs',
      '--pdeathsig=KILL',
      '--',
      ...PROGRAM,
    ]);
    expect(plan).toMatchObject({ program: '/usr/bin/env', launcher: 'setpriv' });
    expect(plan.uid).toBeUndefined();
  });

  it('puts a user-namespace network cut after the user switch', () => {
    const userns: NetworkCutter = {
      prefix: ['/usr/bin/unshare', '--net', '--map-current-user', '--'],
      privileged: false,
    };
    const plan = launchPlan(PROGRAM, caps(), userns, 256);
    const args = plan.args.join(' ');
    expect(args).toContain(
      '--clear-groups -- /usr/bin/unshare --net --map-current-user -- /usr/bin/setpriv --no-new-privs',
    );
    expect(plan.file).toBe('/usr/bin/nice');
  });

  it('as root without setpriv: spawn switches the user, and every wrapper runs unprivileged', () => {
    const plan = launchPlan(PROGRAM, caps({ setpriv: null }), null, 256);
    expect(plan).toMatchObject({ uid: 990, gid: 985, launcher: 'prlimit' });
    expect(plan.args).toContain('--nproc=1024');
  });

  it('as another user: no user switch and no process-count limit (it would count the server user)', () => {
    const plan = launchPlan(PROGRAM, caps({ user: null }), null, 128);
    expect([plan.file, ...plan.args]).toEqual([
      '/usr/bin/nice',
      '-n',
      '10',
      '/usr/bin/prlimit',
      '--data=134217728',
      ...LIMITS.slice(1),
      '/usr/bin/setpriv',
      '--no-new-privs',
      '--pdeathsig=KILL',
      '--',
      ...PROGRAM,
    ]);
    expect(plan.uid).toBeUndefined();
  });

  it('without any tool: the program alone', () => {
    const plan = launchPlan(PROGRAM, caps({ user: null, prlimit: null, setpriv: null, nice: null }), null, 256);
    expect(plan).toEqual({ file: '/usr/bin/env', args: ['a b'], program: '/usr/bin/env', launcher: null });
  });
});
