import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { passwordProblem } from '../auth/password-policy.js';
import { StartupError } from '../common/startup-error.js';
import type { AppConfig } from '../config/app-config.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { RolesRepository } from '../database/repositories/roles.repository.js';
import { UsersRepository } from '../database/repositories/users.repository.js';
import { Transactions } from '../database/transactions.js';

/** The actor of changes made by Cronwarden itself at start-up. */
export const STARTUP_ACTOR: AuthUser = {
  id: 'system',
  username: 'system',
  email: null,
  roles: [ADMIN_ROLE],
  permissions: new Set(),
  isAdmin: true,
  tokenId: 'system',
  tokenExpiresAt: new Date(0),
  system: true,
};

/** The first admin's generated credentials, shown once at the very end of start-up. */
export interface GeneratedAdmin {
  username: string;
  password: string;
}

/** A strong password that passes the policy: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * At start: refuses a DEFAULT_ROLE that does not exist, and when no user holds the admin role,
 * creates ADMIN_USERNAME with ADMIN_PASSWORD (or a generated password printed once).
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);
  /** The first admin's generated credentials, until start-up takes them for its closing banner. */
  private generated: GeneratedAdmin | undefined;

  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly transactions: Transactions,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminUsername, adminPassword, defaultRole, passwordMinLength } = this.config.get('auth', { infer: true });
    if (!(await this.roles.existsByName(defaultRole))) {
      throw new StartupError(`DEFAULT_ROLE=${JSON.stringify(defaultRole)} is not a role: name an existing role`);
    }
    if (adminPassword) {
      const problem = passwordProblem(adminPassword, { minLength: passwordMinLength }, 'ADMIN_PASSWORD', adminUsername);
      if (problem) throw new StartupError(problem);
    }
    const password = adminPassword ?? generatePassword();
    const passwordHash = await this.hasher.hash(password);

    const outcome = await this.transactions.run(async (transaction) => {
      await this.users.lockBootstrap(transaction);
      const adminRole = await this.roles.findByName(ADMIN_ROLE, transaction);
      if (!adminRole) throw new StartupError(`The ${ADMIN_ROLE} role is missing: the migrations seed it`);
      if ((await this.users.countHoldersOf(adminRole.id, transaction)) > 0) return 'present' as const;
      const existing = await this.users.findByUsername(adminUsername, transaction);
      if (existing) {
        existing.roles = [...existing.roles, adminRole];
        await this.users.save(existing, transaction);
        await this.audit.record(
          {
            event: 'user_modified',
            actor: actorOf(STARTUP_ACTOR),
            ownerId: null,
            description: `no admin: gave ${existing.username} the admin role`,
          },
          transaction,
        );
        return 'promoted' as const;
      }
      await this.users.insert(
        { username: adminUsername, email: null, passwordHash, isActive: true, roles: [adminRole] },
        transaction,
      );
      await this.audit.record(
        {
          event: 'user_created',
          actor: actorOf(STARTUP_ACTOR),
          ownerId: null,
          description: `created the first admin ${adminUsername}`,
        },
        transaction,
      );
      return 'created' as const;
    });

    if (outcome === 'promoted') {
      this.logger.warn(`No user held the admin role: gave it to the existing user '${adminUsername}'`);
    } else if (outcome === 'created' && adminPassword) {
      this.logger.log(`Created the first admin '${adminUsername}' with the password from ADMIN_PASSWORD`);
    } else if (outcome === 'created') {
      this.logger.log(
        `Created the first admin '${adminUsername}' with a generated password (shown at the end of start-up)`,
      );
      this.generated = { username: adminUsername, password };
    }
  }

  /**
   * The generated credentials of the first admin this instance created, once: the first call takes
   * them (start-up prints them last), later calls get `undefined`.
   */
  takeGeneratedAdmin(): GeneratedAdmin | undefined {
    const generated = this.generated;
    this.generated = undefined;
    return generated;
  }
}
