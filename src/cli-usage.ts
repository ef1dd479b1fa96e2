/** The operator CLI's usage text and commands (src/cli.ts). */

export const USAGE = `Cronwarden operator commands (work without the API; audited as cli:<os user>)

Usage: npx cronwarden <command> [arguments] [options]     (or: npm run cli -- <command> ...)
Both run the built code (dist/): run npm run build once first.

  create-user <username> [--role <name>]... [--email <address>] [--password-stdin]
      Creates a user (roles default to DEFAULT_ROLE). Prints a generated password unless
      --password-stdin reads one from standard input.
  reset-password <username> [--password-stdin]
      Sets a new password (generated and printed unless --password-stdin), revokes the user's
      tokens and clears their failed-login lock.
  grant-admin <username>      Adds the admin role.
  enable-user <username>      Re-enables a disabled user.
  disable-user <username>     Disables a user and revokes their tokens.
  list-users                  Lists users with their state and roles.
  import-ndscheduler --url <http://host:7777> [--owner <username>] [--dry-run]
      Reads a running ndscheduler's jobs (GET <url>/api/v1/jobs) and creates them here, owned by
      --owner (default: the first admin): ShellJob and CurlJob with their arguments, day_of_week
      renumbered from Monday=0 to crontab's Sunday=0, paused ones paused. Jobs of other classes are
      listed with the reason. All in one transaction; jobs whose name the owner has already are
      skipped, so a second run creates nothing. --dry-run shows what it would do and writes nothing.
      See docs/ndscheduler.md.

Options:
  --data-dir <path>       The DATA_DIR of the server whose embedded PostgreSQL to open
                          (default: DATA_DIR, else ./data).
  --database-url <url>    The external PostgreSQL to open (default: DATABASE_URL).
                          A flag wins over the environment and .env.
  --json                  Prints the result as JSON (for scripts) instead of text.

The CLI only opens an existing Cronwarden database, one the server has created and migrated
(npm start does both); it never creates a database or changes its schema. With the embedded
PostgreSQL it joins the server's if Cronwarden runs, else starts it for the command.`;

export const COMMANDS = [
  'create-user',
  'reset-password',
  'grant-admin',
  'enable-user',
  'disable-user',
  'list-users',
  'import-ndscheduler',
];
