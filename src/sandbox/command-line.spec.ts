import { launchPlan, type LaunchRequest } from './command-line.js';
import { mountTable, systemView } from './mount-table.js';

const REQUEST: LaunchRequest = {
  program: ['/usr/bin/env', "it's a b"],
  tools: {
    unshare: '/usr/bin/unshare',
    setpriv: '/usr/bin/setpriv',
    mount: '/usr/bin/mount',
    shell: { path: '/usr/bin/dash', kind: 'dash' },
  },
  root: '/run/cw/root',
  fstab: '/run/cw/runs/run-1.fstab',
  uid: 1900000007,
  network: 'none',
  cgroupProcs: ['/sys/fs/cgroup/pids/cronwarden-sandbox/run-1/cgroup.procs'],
  limits: { dataBytes: 256 * 1024 * 1024, maxProcesses: 64, openFiles: 1024, fileBytes: 64 * 1024 * 1024 },
};

describe('launchPlan', () => {
  it('dies with the server, makes the namespaces, sets up as root inside them, then drops to the run uid', () => {
    const plan = launchPlan(REQUEST);
    expect(plan.file).toBe('/usr/bin/setpriv');
    const [pdeathsig, dashes, unshare, ...rest] = plan.args;
    expect([pdeathsig, dashes, unshare]).toEqual(['--pdeathsig=KILL', '--', '/usr/bin/unshare']);
    expect(rest.slice(0, 11)).toEqual([
      '--pid',
      '--fork',
      '--kill-child',
      '--mount',
      '--ipc',
      '--uts',
      '--net',
      '--propagation',
      'private',
      '--',
      '/usr/bin/dash',
    ]);
    const setup = rest[12];
    expect(setup.split('\n')).toEqual([
      'set -e',
      "echo 0 > '/sys/fs/cgroup/pids/cronwarden-sandbox/run-1/cgroup.procs'",
      'ulimit -d 262144',
      'ulimit -p 64',
      'ulimit -n 1024',
      'ulimit -f 131072',
      'ulimit -c 0',
      "'/usr/bin/mount' -n -a -T '/run/cw/runs/run-1.fstab'",
      'unset PWD OLDPWD',
      'exec 2>&4 4>&-',
      "exec '/usr/bin/unshare' '--root=/run/cw/root' --wd=/work --setuid=1900000007 --setgid=1900000007 -- '/usr/bin/setpriv' --no-new-privs -- \"$@\"",
    ]);
    // The program's argv follows $0, untouched by any shell.
    expect(rest.slice(13)).toEqual(['cronwarden-sandbox', '/usr/bin/env', "it's a b"]);
  });

  it('keeps the host network when asked, and speaks bash where there is no dash', () => {
    const plan = launchPlan({
      ...REQUEST,
      network: 'host',
      tools: { ...REQUEST.tools, shell: { path: '/bin/bash', kind: 'bash' } },
    });
    expect(plan.args).not.toContain('--net');
    const setup = plan.args[plan.args.indexOf('-c') + 1];
    expect(setup).toContain('ulimit -u 64');
    expect(setup).toContain('ulimit -f 65536');
  });
});

describe('systemView and mountTable', () => {
  const view = systemView(
    [
      { name: 'usr' },
      { name: 'bin', resolved: '/usr/bin' },
      { name: 'lib64', resolved: '/usr/lib64' },
      { name: 'etc' },
    ],
    ['/usr', '/opt/node v20'],
    ['/usr/local/lib/cronwarden', '/srv/cronwarden', '/root', '/'],
  );

  it('shows system folders at their own paths, links as binds of their targets, and hides secrets inside them', () => {
    expect(view).toEqual({
      readOnly: [
        ['/usr/bin', '/bin'],
        ['/etc', '/etc'],
        ['/usr/lib64', '/lib64'],
        ['/usr', '/usr'],
        ['/opt/node v20', '/opt/node v20'],
      ],
      hidden: ['/usr/local/lib/cronwarden'],
    });
  });

  it('writes one fstab line per mount, in order, escaping white space', () => {
    const table = mountTable(view, {
      root: '/run/cw/root',
      devDir: '/run/cw/dev',
      uid: 1900000007,
      tmpfsMb: 64,
      jobDir: '/run/cw/runs/r1',
    });
    expect(table.trim().split('\n')).toEqual([
      'cwroot /run/cw/root tmpfs size=1m,mode=0755,nosuid,nodev 0 0',
      '/usr/bin /run/cw/root/bin none bind,ro,nosuid,nodev,X-mount.mkdir 0 0',
      '/etc /run/cw/root/etc none bind,ro,nosuid,nodev,X-mount.mkdir 0 0',
      '/usr/lib64 /run/cw/root/lib64 none bind,ro,nosuid,nodev,X-mount.mkdir 0 0',
      '/usr /run/cw/root/usr none bind,ro,nosuid,nodev,X-mount.mkdir 0 0',
      '/opt/node\\040v20 /run/cw/root/opt/node\\040v20 none bind,ro,nosuid,nodev,X-mount.mkdir 0 0',
      'cwhidden /run/cw/root/usr/local/lib/cronwarden tmpfs ro,size=4k,mode=0000,nosuid,nodev,noexec 0 0',
      '/run/cw/dev /run/cw/root/dev none bind,ro,nosuid,noexec,X-mount.mkdir 0 0',
      'proc /run/cw/root/proc proc nosuid,nodev,noexec,X-mount.mkdir 0 0',
      'cwwork /run/cw/root/work tmpfs size=64m,uid=1900000007,gid=1900000007,mode=0700,nosuid,nodev,X-mount.mkdir 0 0',
      'cwtmp /run/cw/root/tmp tmpfs size=64m,mode=1777,nosuid,nodev,X-mount.mkdir 0 0',
      '/run/cw/runs/r1 /run/cw/root/job none bind,ro,nosuid,nodev,X-mount.mkdir 0 0',
    ]);
  });
});
