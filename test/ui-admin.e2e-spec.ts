// The Users and Roles administration pages in a real Chromium, against the built server
// (`dist/src/main.js`). Every UI action is checked against the database through the API (`t`).
// Screenshots land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import type { Page } from 'playwright-core';
import { loginAdmin, newUser, uniqueName, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { restClient, waitFor } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

interface UserBody {
  id: string;
  username: string;
  email: string | null;
  is_active: boolean;
  roles: string[];
}
interface RoleBody {
  id: string;
  name: string;
  description: string;
  permissions: string[];
}

describe('the Users and Roles pages in a real browser', () => {
  let ui: UiHarness;
  let t: TestApp;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  const roleName = uniqueName('ui-auditor').toLowerCase();
  const username = uniqueName('ui-newcomer');
  /** The password the UI generated and showed once. */
  let shownPassword = '';

  beforeAll(async () => {
    ui = await startUi();
    t = ui.t;
    rest = restClient(t);
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await ui?.close();
  });

  /** The user as the API has it now, by username (null when there is none). */
  async function storedUser(name: string): Promise<UserBody | null> {
    const res = await rest.as(admin).get('/api/v1/users').query({ q: name, limit: 1000 }).expect(200);
    return (res.body as { users: UserBody[] }).users.find((user) => user.username === name) ?? null;
  }
  async function storedRole(name: string): Promise<RoleBody | null> {
    const res = await rest.as(admin).get('/api/v1/roles').query({ limit: 1000 }).expect(200);
    return (res.body as { roles: RoleBody[] }).roles.find((role) => role.name === name) ?? null;
  }
  const userRow = (page: Page, name: string) => page.getByRole('row').filter({ hasText: name });

  it('the admin creates a custom role from the Roles page, one checkbox per permission', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/roles', heading: 'Roles' });
    await page.getByRole('row').filter({ hasText: 'job_manager' }).first().waitFor();
    // The seeded roles are there, the admin role marked built in and not deletable.
    const adminRow = page.getByRole('row').filter({ hasText: 'built in' });
    await adminRow.getByText('Built in: cannot be deleted').waitFor();
    await expect(adminRow.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
    await screenshots(page, 'roles');

    await page.getByRole('button', { name: 'New role' }).click();
    const dialog = page.getByRole('dialog', { name: 'New role' });
    await dialog.getByLabel('Name').fill(roleName);
    await dialog.getByLabel('Description').fill('Reads jobs, runs and the audit trail');
    // Every permission has its checkbox, with the catalogue's description beside it.
    await expect(dialog.getByRole('checkbox').count()).resolves.toBe(13);
    await dialog.getByText('Create, change and delete roles').waitFor();
    for (const permission of ['job_view', 'execution_view', 'audit_view']) {
      await dialog.getByRole('checkbox', { name: permission, exact: true }).check();
    }
    await screenshots(page, 'role-dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('row').filter({ hasText: roleName }).waitFor();

    const role = await storedRole(roleName);
    expect(role).toMatchObject({
      name: roleName,
      description: 'Reads jobs, runs and the audit trail',
      permissions: ['job_view', 'execution_view', 'audit_view'],
    });
    await context.close();
  });

  it('creates a user with that role and a generated password, shown once; the user signs in with it', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/users', heading: 'Users' });
    await userRow(page, admin.username).waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('Username').fill(username);
    await dialog.getByLabel('Email').fill(`${username}@example.com`);
    const roles = dialog.getByLabel('Roles', { exact: true });
    await roles.click();
    await roles.press('Backspace'); // the default role (viewer) goes
    await roles.fill(roleName);
    await page.getByRole('option', { name: roleName }).click();
    await page.keyboard.press('Escape');
    await dialog.getByText('A strong random password is made in this browser').waitFor();
    await screenshots(page, 'user-dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByRole('dialog', { name: 'User created' });
    await shown.getByText('Copy the password now: it will not be shown again').waitFor();
    shownPassword = ((await shown.getByLabel('Generated password').textContent()) ?? '').trim();
    expect(shownPassword).toHaveLength(24);
    await shown.getByRole('button', { name: 'Copy password' }).waitFor();
    await screenshots(page, 'user-created');
    await shown.getByRole('button', { name: 'Done' }).click();
    await userRow(page, username).waitFor();
    // Closed, it is gone from the page.
    await expect(page.getByText(shownPassword).count()).resolves.toBe(0);

    const stored = await storedUser(username);
    expect(stored).toMatchObject({
      username,
      email: `${username}@example.com`,
      is_active: true,
      roles: [roleName],
    });

    const newcomer = await ui.signIn({ username, password: shownPassword });
    await expect(newcomer.page.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);
    await newcomer.context.close();
    await screenshots(page, 'users');
    await context.close();
  });

  it('disables and re-enables the user; disabled, they cannot sign in', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/users', heading: 'Users' });
    const row = userRow(page, username);
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    await row.getByText('disabled', { exact: true }).waitFor();
    expect((await storedUser(username))?.is_active).toBe(false);
    await t.http().post('/api/v1/auth/login').send({ username, password: shownPassword }).expect(401);

    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByRole('button', { name: 'Disable' }).waitFor();
    expect((await storedUser(username))?.is_active).toBe(true);
    await t.http().post('/api/v1/auth/login').send({ username, password: shownPassword }).expect(200);
    await context.close();
  });

  it('resets a password: a typed weak one gets the server’s policy message on the field, a generated one is shown once', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/users', heading: 'Users' });
    await userRow(page, username)
      .getByRole('button', { name: `More actions for ${username}` })
      .click();
    await page.getByRole('menuitem', { name: 'Reset password' }).click();
    const dialog = page.getByRole('dialog', { name: `Reset the password of ${username}` });
    await dialog.getByText('Type one').click();
    await dialog.getByLabel(/^New password\s*\*?$/).fill('short');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('password must be at least 12 characters long').waitFor();
    await screenshots(page, 'user-reset-password');
    await t.http().post('/api/v1/auth/login').send({ username, password: shownPassword }).expect(200);

    await dialog.getByText('Generate').click();
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('Copy the password now: it will not be shown again').waitFor();
    const fresh = ((await dialog.getByLabel('Generated password').textContent()) ?? '').trim();
    expect(fresh).toHaveLength(24);
    expect(fresh).not.toBe(shownPassword);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await t.http().post('/api/v1/auth/login').send({ username, password: shownPassword }).expect(401);
    await t.http().post('/api/v1/auth/login').send({ username, password: fresh }).expect(200);
    shownPassword = fresh;
    await context.close();
  });

  it('does not offer disabling, demoting or deleting the last active admin, and says why', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/users', heading: 'Users' });
    const row = userRow(page, admin.username);
    await row.getByText('Last active admin: cannot be disabled, demoted or deleted').waitFor();
    await expect(row.getByRole('button', { name: 'Disable' }).isDisabled()).resolves.toBe(true);
    await row.getByRole('button', { name: `More actions for ${admin.username}` }).click();
    await expect(page.getByRole('menuitem', { name: 'Delete' }).isDisabled()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await expect(row.getByRole('button', { name: 'Disable' }).getAttribute('aria-describedby')).resolves.toMatch(
      /^last-admin-/,
    );
    // Demoting: without the admin role the dialog refuses to save, saying why.
    await row.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${admin.username}` });
    const roles = dialog.getByLabel('Roles', { exact: true });
    await roles.click();
    await roles.press('Backspace');
    await page.keyboard.press('Escape');
    await dialog.getByText('The last active admin cannot be disabled, demoted or deleted').waitFor();
    await expect(dialog.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(true);
    await screenshots(page, 'user-last-admin');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    const stored = await storedUser(admin.username);
    expect(stored).toMatchObject({ is_active: true, roles: ['admin'] });
    const admins = await rest.as(admin).get('/api/v1/users').query({ role: 'admin', is_active: true }).expect(200);
    expect((admins.body as { total: number }).total).toBe(1);
    await context.close();
  });

  it('deletes a user who owns a job by reassigning it to another user', async () => {
    const leaving = await newUser(t, { roles: ['job_manager'] });
    const job = await rest.createJob(leaving, {
      name: 'left-behind',
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      paused: true,
    });
    const { context, page } = await ui.signIn(admin, { path: `/users?q=${leaving.username}`, heading: 'Users' });
    await userRow(page, leaving.username)
      .getByRole('button', { name: `More actions for ${leaving.username}` })
      .click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${leaving.username}?` });
    await dialog.getByText(`${leaving.username} owns 1 job`).waitFor();
    await expect(dialog.getByRole('button', { name: 'Reassign and delete' }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Reassign jobs to').click();
    await page.getByRole('option', { name: admin.username, exact: true }).click();
    await screenshots(page, 'user-delete');
    await dialog.getByRole('button', { name: 'Reassign and delete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('No user matches these filters.').waitFor();

    await rest.as(admin).get(`/api/v1/users/${leaving.id}`).expect(404);
    const moved = await rest.as(admin).get(`/api/v1/jobs/${job.job_id}`).expect(200);
    expect((moved.body as { owner: { id: string } }).owner.id).toBe(admin.id);
    await context.close();
  });

  it('deleting a role names the users who hold it', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/roles', heading: 'Roles' });
    const row = page.getByRole('row').filter({ hasText: roleName });
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete role ${roleName}?` });
    await dialog.getByText('Held by 1 user').waitFor();
    await dialog.getByText(`${username} loses its permissions at once`).waitFor();
    await screenshots(page, 'role-delete');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor('the role to be gone', async () => (await storedRole(roleName)) === null);
    expect((await storedUser(username))?.roles).toEqual([]);
    await context.close();
  });

  it('a user without user_manage or role_manage sees no Users or Roles navigation, and /users says why', async () => {
    const plain = await newUser(t, { roles: ['job_manager'] });
    const { context, page } = await ui.signIn(plain);
    await page.getByRole('link', { name: 'Jobs' }).waitFor();
    await expect(page.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Roles' }).count()).resolves.toBe(0);
    await page.goto(`${ui.base}/users`);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByText('Managing users needs the user_manage permission').waitFor();
    await screenshots(page, 'users-forbidden');
    await page.goto(`${ui.base}/roles`);
    await page.getByText('Managing roles needs the role_manage permission').waitFor();
    expect(ui.alerts).toEqual([]);
    await context.close();
  });
});
